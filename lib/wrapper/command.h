/* command.h - the job's command as a shell would find it (PATH), and
 * whether the library can enter it: ld.so loads LD_PRELOAD only into a
 * dynamically linked program, and a set-user-ID one runs without it. */
#ifndef RTRACK_WRAPPER_COMMAND_H
#define RTRACK_WRAPPER_COMMAND_H

#include <stddef.h>

/* The file `name` runs: name itself when it holds a '/' and exists, else
 * the first regular, executable file of that name in PATH (bash's `type
 * -P`), into dst.  0; -EACCES when PATH holds only a regular file of
 * that name that is not executable (the shell's "Permission denied",
 * 126); -ENOENT when there is none (its "command not found", 127).  dst
 * is undefined on failure. */
int command_find(const char *name, char *dst, size_t size);

/* Why the library cannot enter the program at path, in words ("a static
 * program", "set-user-ID"), or NULL when it can or the file does not say
 * (a script, an unreadable file). */
const char *command_unenterable(const char *path);

#endif
