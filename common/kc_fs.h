/* kc_fs.h - small file-system helpers shared by the recorder and the analyzer: no malloc, errno
 * of the failing call returned as a negative value (kc_log.h's convention). */
#ifndef KC_FS_H
#define KC_FS_H

#include <stddef.h>

/* The last component of path (after its last '/'), or path. */
const char *kc_base_name(const char *path);
/* mkdir -p: dir and its missing parents. 0 or -errno. */
int kc_mkdir_p(const char *dir);
/* All n bytes to fd, through short writes and EINTR. 0 or -errno. */
int kc_write_all(int fd, const void *p, size_t n);
/* Up to n bytes from fd, through short reads and EINTR: the count read (less at the end of the
 * file or on an error). */
size_t kc_read_full(int fd, void *p, size_t n);
/* src copied to name (one component) in the directory open at dirfd, through a new file of a
 * random name beside it (created with O_EXCL: a link placed there is not followed) and a
 * rename, so that name, once there, is whole; its mode that of a plain creat() under the
 * umask. Nothing is resolved by path after the caller opened (and checked) the directory.
 * 0 or -errno. */
int kc_copy_file_at(const char *src, int dirfd, const char *name);
/* path opened for reading if it is a regular file, and nothing else ever opened (a FIFO or a
 * device named where a file is expected would block, never end, or act on being opened): the
 * fd, its size in *size (may be NULL), or -errno (-EINVAL for what is not a regular file). */
int kc_open_regular(const char *path, size_t *size);

#endif
