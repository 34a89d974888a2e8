/* kc_fs.c - file-system helpers (kc_fs.h). */
#include "kc_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *kc_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int kc_mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int kc_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

size_t kc_read_full(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

int kc_open_regular(const char *path, size_t *size)
{
	/* Never open what is not a regular file: opening a FIFO for reading releases a writer
	 * blocked in its open (whose next write then fails once we close it), and opening a
	 * device may act. Then opened without waiting (O_NONBLOCK) or taking a terminal
	 * (O_NOCTTY), and checked again, in case the path changed in between. */
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (size)
		*size = (size_t)st.st_size;
	return fd;
}

int kc_copy_file_at(const char *src, int dirfd, const char *name)
{
	/* a new file of a name no one could have placed (O_EXCL: a link there is never
	 * followed), then renamed over name (which replaces a link at name, never writes
	 * through it); all relative to dirfd, so that no path is resolved again */
	char tmp[NAME_MAX + 1];
	int in = kc_open_regular(src, NULL);
	if (in < 0)
		return in;
	int out = -1;
	unsigned seed = (unsigned)getpid() ^ (unsigned)(uintptr_t)&tmp;
	for (int tries = 0; out < 0 && tries < 100; tries++) {
		seed = seed * 1103515245u + 12345u;
		if (snprintf(tmp, sizeof(tmp), ".%.200s.tmp.%08x", name, seed) >=
		    (int)sizeof(tmp)) {
			close(in);
			return -ENAMETOOLONG;
		}
		out =
		    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (out < 0 && errno != EEXIST) {
			int e = errno;
			close(in);
			return -e;
		}
	}
	if (out < 0) {
		close(in);
		return -EEXIST;
	}
	char buf[1 << 16];
	int rc = 0;
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0 || (rc = kc_write_all(out, buf, (size_t)r)) < 0)
			break;
	}
	close(in);
	if (close(out) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}
