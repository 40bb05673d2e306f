/**
 * @file host_file.h
 * @brief Files on the machine the board runs under, for writing: through
 *        semihosting on the bare-metal boards (kernel/semihosting_files.c;
 *        QEMU must run with -semihosting, and a relative name is relative
 *        to QEMU's working directory), in the process's own file system on
 *        the host board.
 *
 * Errors are negative errno values, never a hang or a silent trap:
 * -ENODEV when there is no host to ask (QEMU without -semihosting, or
 * hardware with no debugger), otherwise the host's own reason (-ENOENT,
 * -EACCES, -ENOSPC, ...; -EIO when it gave none).
 */
#ifndef BRIGADE_HOST_FILE_H
#define BRIGADE_HOST_FILE_H

#include <stddef.h>

/**
 * @brief Create (or truncate) file @p name on the host for writing.
 * @return a handle >= 0, or -EINVAL for an empty name, -ENODEV, -errno.
 */
int host_file_open(const char *name);

/** @brief Write all @p len bytes of @p buf. @retval 0 written  @retval <0 -errno */
int host_file_write(int handle, const void *buf, size_t len);

/** @brief Close @p handle. @retval 0 closed  @retval <0 -errno */
int host_file_close(int handle);

#endif
