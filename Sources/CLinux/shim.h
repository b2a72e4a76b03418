#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
/* What CNISystem needs from Linux that the Glibc module does not import: constants and calls
 * glibc hides behind _GNU_SOURCE (the Glibc module is built without it), and <sys/vfs.h>.
 * glibc headers first, then the kernel uapi headers. */
#include <sys/types.h>
#include <linux/sched.h>   /* CLONE_NEWNET */
#include <linux/magic.h>   /* NSFS_MAGIC, PROC_SUPER_MAGIC */
#include <sys/vfs.h>       /* struct statfs, fstatfs: the layout of this target (x86_64, aarch64) */

/* setns(2) (<sched.h>) and pipe2(2) (<unistd.h>), declared there only under _GNU_SOURCE: the same
 * prototypes as glibc's, bound to glibc's symbols. */
extern int setns(int fd, int nstype);
extern int pipe2(int pipefd[2], int flags);

#endif
