/* relay.c - pass signals on to the job's command (relay.h).
 *
 * Which signals: one from another process (kill, sigqueue, tgkill), not
 * one the kernel made (a terminal's Ctrl-C already goes to the whole
 * foreground group; SIGXFSZ and SIGXCPU are the wrapper's own limits),
 * and not one the command sent (it meant the wrapper).
 *
 * A kill of the wrapper's process group (kill 0 in a script, killpg, the
 * second kill of timeout(1), a batch system's job stop) or of every
 * process reaches the command itself: relayed, it would arrive twice, and
 * a command that handles it would handle it twice.  The siginfo of a
 * kill(-pgrp) is that of a kill(pid), so the wrapper keeps a witness: a
 * child that stays in its process group, blocks these signals and does
 * nothing else.  Only a signal sent to the group or to all reaches it;
 * for each signal the wrapper gets it asks the witness to take one of
 * that number, and relays only when there was none. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static sigset_t relay_set;           /* the signals caught and relayed */
static sigset_t relay_changed;       /* dispositions relay_setup set */
static sigset_t relay_mask;          /* the caller's mask */
static struct sigaction relay_old[NSIG];
static volatile sig_atomic_t relay_pid;
static volatile sig_atomic_t relay_got[NSIG];
/* The witness: its pid and the two pipes to it; -1 when there is none.
 * Changed only while the relayed signals are blocked. */
static pid_t relay_witness_pid = -1;
static int relay_req = -1, relay_ans = -1;

/* Whether sig's default action ends the process and it can come from
 * another process alone: not SIGKILL (it cannot be caught), SIGPIPE
 * (ignored, see relay.h), nor a fault the kernel raises in the process
 * that caused it (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
 * SIGABRT), which the wrapper must not survive. */
static int relay_is_relayed(int sig)
{
	static const int ending[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
		SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGIO, SIGPWR,
		SIGSTKFLT,
	};

	for (size_t i = 0; i < sizeof ending / sizeof ending[0]; i++)
		if (sig == ending[i])
			return 1;
	return sig >= SIGRTMIN && sig <= SIGRTMAX;
}

/* The witness gone quiet (stopped: SIGSTOP to every process, pkill -STOP):
 * it is asked nothing more, and every signal is relayed from then on, as
 * without it; an answer that comes late is never taken for another's. */
static void relay_witness_drop(void)
{
	close(relay_req);
	close(relay_ans);
	relay_req = relay_ans = -1;
}

/* Whether sig also reached the witness, taking it there.  Its answer
 * comes within its own wait (5 ms) unless it is stopped. */
static int relay_witness_saw(int sig)
{
	struct pollfd p = { relay_ans, POLLIN, 0 };
	unsigned char c = (unsigned char)sig;
	int n;

	if (relay_req < 0 || write(relay_req, &c, 1) != 1)
		return 0;
	while ((n = poll(&p, 1, 200)) < 0 && errno == EINTR)
		;
	if (n != 1 || read(relay_ans, &c, 1) != 1) {
		relay_witness_drop();
		return 0;
	}
	return c;
}

/* The witness's life: a byte N from the wrapper asks whether signal N is
 * pending; the answer takes it.  A kill of all processes may reach the
 * wrapper first (the kernel walks them oldest first): one for the
 * witness is given a few milliseconds to come. */
__attribute__((noreturn)) static void relay_witness(int req, int ans)
{
	static const int ignored[] = { SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE };
	struct timespec wait = { 0, 5000000 };
	int lo = req < ans ? req : ans, hi = req ^ ans ^ lo;
	unsigned char c;
	sigset_t one;
	int r;

	prctl(PR_SET_NAME, "rtrack-witness");
	/* Ctrl-Z stops the job, not the witness, whose stop would hold the
	 * wrapper's next question. */
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	/* None of the wrapper's descriptors: a pipe the caller reads to its
	 * end must not wait for the witness. */
	if (lo > 0)
		close_range(0, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0u, 0);
	while (read(req, &c, 1) == 1) {
		sigemptyset(&one);
		sigaddset(&one, c);
		/* A stop and continue interrupts the wait: wait again. */
		while ((r = sigtimedwait(&one, NULL, &wait)) < 0 &&
		       errno == EINTR)
			;
		c = r == c;
		if (write(ans, &c, 1) != 1)
			break;
	}
	_exit(0);
}

/* Start the witness, with the relayed signals blocked (it inherits the
 * mask).  It dies with the wrapper; without it nothing is told apart. */
static void relay_witness_start(void)
{
	pid_t parent = getpid();
	int req[2], ans[2];

	if (pipe2(req, O_CLOEXEC) < 0)
		return;
	if (pipe2(ans, O_CLOEXEC) < 0) {
		close(req[0]);
		close(req[1]);
		return;
	}
	relay_witness_pid = fork();
	if (relay_witness_pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    getppid() != parent)
			_exit(0);
		close(req[1]);
		close(ans[0]);
		relay_witness(req[0], ans[1]);
	}
	close(req[0]);
	close(ans[1]);
	relay_req = req[1];
	relay_ans = ans[0];
	if (relay_witness_pid < 0) {
		close(relay_req);
		close(relay_ans);
		relay_req = relay_ans = -1;
	}
}

static void relay_handler(int sig, siginfo_t *si, void *uc)
{
	int e = errno, group = relay_witness_saw(sig);
	pid_t pid = relay_pid;

	(void)uc;
	relay_got[sig] = 1;
	if (pid > 0 && !group && si->si_pid != pid) {
		if (si->si_code == SI_QUEUE)
			sigqueue(pid, sig, si->si_value);
		else if (si->si_code == SI_USER || si->si_code == SI_TKILL)
			kill(pid, sig);
	}
	errno = e;
}

/* sig's disposition to sa, the caller's kept for relay_child. */
static void relay_change(int sig, const struct sigaction *sa)
{
	if (sigaction(sig, sa, &relay_old[sig]) == 0)
		sigaddset(&relay_changed, sig);
}

void relay_setup(void)
{
	struct sigaction sa, old;
	int sig;

	sigemptyset(&relay_set);
	sigemptyset(&relay_changed);
	for (sig = 1; sig < NSIG; sig++)
		if (relay_is_relayed(sig))
			sigaddset(&relay_set, sig);
	sigprocmask(SIG_BLOCK, &relay_set, &relay_mask);
	relay_witness_start();
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = relay_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	/* One question to the witness at a time. */
	sa.sa_mask = relay_set;
	/* One ignored on entry stays ignored, for the command too, as a
	 * shell leaves it. */
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(&relay_set, sig) == 1 &&
		    sigaction(sig, NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			relay_change(sig, &sa);
	memset(&sa, 0, sizeof sa);
	/* Ignored, SIGCHLD would reap the command before wait4 could. */
	sa.sa_handler = SIG_DFL;
	relay_change(SIGCHLD, &sa);
	sa.sa_handler = SIG_IGN;
	relay_change(SIGPIPE, &sa);
}

void relay_child(void)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&relay_changed, sig) == 1)
			sigaction(sig, &relay_old[sig], NULL);
	sigprocmask(SIG_SETMASK, &relay_mask, NULL);
}

void relay_start(pid_t pid)
{
	relay_pid = pid;
	sigprocmask(SIG_SETMASK, &relay_mask, NULL);
}

void relay_stop(void)
{
	sigprocmask(SIG_BLOCK, &relay_set, NULL);
	relay_pid = 0;
	if (relay_witness_pid > 0) {
		if (relay_req >= 0)
			relay_witness_drop();
		kill(relay_witness_pid, SIGKILL);
		while (waitpid(relay_witness_pid, NULL, 0) < 0 &&
		       errno == EINTR)
			;
		relay_witness_pid = -1;
	}
	sigprocmask(SIG_SETMASK, &relay_mask, NULL);
}

void relay_reraise(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t set;
	int sig;

	if (!WIFSIGNALED(status))
		return;
	sig = WTERMSIG(status);
	if (sig <= 0 || sig >= NSIG || !relay_got[sig])
		return;
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}
