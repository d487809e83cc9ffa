/* relay.h - the signals the rtrack wrapper passes on to the job's
 * command, so that a signal meant for the command reaches it once
 * whether it was sent to the wrapper or to its process group, and the
 * wrapper lives until the command is reaped; and the caller's signal
 * dispositions and mask, which the command gets back before exec. */
#ifndef RTRACK_WRAPPER_RELAY_H
#define RTRACK_WRAPPER_RELAY_H

#include <sys/types.h>

/* Catch every signal whose default ends a process and that is not a
 * fault of the wrapper's own (SIGHUP, SIGINT, SIGTERM, SIGUSR1, the
 * real-time ones...), except those the caller ignores; SIGCHLD default
 * (wait4 needs it), SIGPIPE ignored (the summary may go to a closed
 * pipe).  All of them stay blocked until relay_start.  Starts the
 * witness (relay.c); without it (fork failed) a group-directed signal
 * may reach the command twice. */
void relay_setup(void);

/* In the command's process, before exec: the caller's dispositions and
 * signal mask again. */
void relay_child(void);

/* In the wrapper once the command is pid: relay to it from now on, and
 * take the signals that came meanwhile. */
void relay_start(pid_t pid);

/* The command is a zombie: relay nothing more (its pid may be reused
 * once reaped) and end the witness.  Signals are still caught, and
 * noted for relay_reraise. */
void relay_stop(void);

/* When the command died of a signal the wrapper got too (Ctrl-C, a kill
 * of the group or of the wrapper), raise it on the wrapper, default and
 * without a core, so that the caller sees the death it asked for and a
 * calling shell or make stops; returns otherwise.  A command that
 * handled the signal and exited is left to the exit status. */
void relay_reraise(int status);

#endif
