# shellcheck shell=bash
# Shared by scripts/test and scripts/rtrack: make sure the build tools are
# there; on Debian as root install them, elsewhere say in one line what to
# install.  Usage: rtrack_need_tools test|run
rtrack_need_tools() {
	local need=()
	command -v cmake >/dev/null || need+=(cmake)
	command -v make >/dev/null || need+=(make)
	command -v cc >/dev/null || need+=(gcc libc6-dev)
	if [ "$1" = test ]; then
		[ -f /usr/include/cmocka.h ] || need+=(libcmocka-dev)
		command -v python3 >/dev/null || need+=(python3)
		# tests/hosts_sandbox.py: a static child, a second preload,
		# everyday tools and util-linux's unshare and setpriv.
		command -v busybox >/dev/null || need+=(busybox-static)
		compgen -G '/usr/lib/*/libjemalloc.so.2' >/dev/null ||
			need+=(libjemalloc2)
		command -v ps >/dev/null || need+=(procps)
		command -v setpriv >/dev/null || need+=(util-linux)
		command -v promtool >/dev/null || need+=(prometheus) # backfill test
		command -v chromium >/dev/null || need+=(chromium) # report_* (e2e_report.py)
		# tests/real.py: CPython's own regression tests (Debian ships
		# them apart from the interpreter) and a Node program.
		local py
		py=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) &&
			[ ! -f "/usr/lib/python$py/test/test_subprocess.py" ] &&
			need+=("libpython$py-testsuite")
		command -v node >/dev/null || need+=(nodejs)
	fi
	[ ${#need[@]} -eq 0 ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "rtrack: installing ${need[*]} (apt-get update, then" \
			"apt-get install: a minute or more)" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	else
		echo "rtrack: missing ${need[*]}: install with: sudo apt-get install ${need[*]}" >&2
		exit 1
	fi
}
