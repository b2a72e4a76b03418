#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
/* Kernel constants CNISystem needs that glibc hides behind _GNU_SOURCE (the Glibc module is
 * built without it). The kernel uapi headers define them unconditionally. glibc headers first,
 * then the uapi headers. */
#include <sys/types.h>
#include <linux/sched.h>   /* CLONE_NEWNET */
#include <linux/magic.h>   /* NSFS_MAGIC, PROC_SUPER_MAGIC */
#include <sys/vfs.h>       /* struct statfs, fstatfs: the layout of this target (x86_64, aarch64) */

#endif
