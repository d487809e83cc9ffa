# Trust tests (issue 13), included at the end of tests/CMakeLists.txt: what
# an outside pass found by running software under the preload in hostile
# conditions.  Not in the sanitized stages: these cases set LD_PRELOAD
# themselves (two copies, scrubbed environments, other users) and measure
# the plain library.
add_executable(trust hosts/trust.c)
target_link_libraries(trust PRIVATE pthread)
set_target_properties(trust PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})

# trust.py: one case per failure found (label integration).  Time is
# compared as a ratio to the same run without the preload; each run has a
# timeout of its own, so a hang fails the case.
rtrack_add_py_cases(trust.py trust_ ";RTRACK_TRUST=$<TARGET_FILE:trust>"
    exec_path exec_threads exec_loop sigxfsz disk_full
    log_deleted log_swapped log_renamed log_fifo log_other_user
    warn_once warn_job_files stderr_closed_pipe small_stack spawn_env two_copies
    assert daemon clone_vm image_change footprint)

# real.py: software written elsewhere, with and without the preload
# (labels real and integration; `ctest -L real` runs them alone): CPython's
# own regression tests, a configure/make/make check, dash, Node.
set(RTRACK_REAL_CASES cpython configure_make dash_path node)
rtrack_add_py_cases(real.py real_ ";RTRACK_TRUST=$<TARGET_FILE:trust>"
    ${RTRACK_REAL_CASES})
foreach(c ${RTRACK_REAL_CASES})
  set_property(TEST real_${c} APPEND PROPERTY LABELS real)
endforeach()
# real_cpython says "skipped: not judged" when CPython's own tests do not
# finish without the preload within 240 s (a machine so loaded that its
# multiprocessing tests stall: issue 21): there is nothing to compare.
set_tests_properties(real_cpython PROPERTIES TIMEOUT 400)

# limits.py: hostile hosts and real commands at the edge of each resource
# limit where they still work bare (labels limits and integration).
set(RTRACK_LIMIT_CASES fsize stack nofile as nproc)
rtrack_add_py_cases(limits.py limits_
    ";RTRACK_TRUST=$<TARGET_FILE:trust>;RTRACK_LIFECYCLE=$<TARGET_FILE:lifecycle>"
    ${RTRACK_LIMIT_CASES})
foreach(c ${RTRACK_LIMIT_CASES})
  set_property(TEST limits_${c} APPEND PROPERTY LABELS limits)
endforeach()

# hostile.py: conditions a pass over hostile hosts found (label
# integration): tiny thread stacks with big environments, raw system
# calls, a relative LD_PRELOAD, SIGCHLD through the wrapper, no /proc.
add_executable(hostile hosts/hostile.c)
target_link_libraries(hostile PRIVATE pthread)
set_target_properties(hostile PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
rtrack_add_py_cases(hostile.py hostile_
    ";RTRACK_HOSTILE=$<TARGET_FILE:hostile>;RTRACK_WRAPPER=$<TARGET_FILE:rtrack_wrapper>"
    env_small_thread raw_namespaces raw_seccomp relative_preload
    wrapper_sigchld killed_children no_proc pid_namespace proc_denied
    end_fails proc_unmounted)
# Both run as uid 54321 under RLIMIT_NPROC, which counts that uid's every
# process: never beside each other.
set_tests_properties(hostile_end_fails limits_nproc PROPERTIES
    RESOURCE_LOCK uid_54321)
