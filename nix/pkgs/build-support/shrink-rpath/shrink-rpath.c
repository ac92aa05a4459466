/*
 * shrink-rpath: keeps in an ELF file's RUNPATH (or RPATH) only the
 * directories it uses, as `patchelf --shrink-rpath` does in nixpkgs'
 * fixup phase.
 *
 *   shrink-rpath STORE_DIR FILE...
 *
 * A directory is kept when it is `$ORIGIN`-relative, or when it is in
 * STORE_DIR and holds a library named by a DT_NEEDED entry that no
 * earlier kept directory holds. Everything else goes: directories that
 * provide nothing, and paths outside the store, such as the build
 * directory that libtool's relinking leaves behind (`/build/pkg/.libs`).
 * The new string is never longer than the old one, so it is written over
 * the old one in place (padded with NULs): no section moves, the rest of
 * the file is untouched byte for byte.
 *
 * Files that are not 64-bit little-endian ELF objects with a dynamic
 * section and a RUNPATH are left alone (scripts, static archives, data),
 * so the fixup phase can pass it every file of an output. It prints one
 * line for each file it changes, and exits non-zero only on I/O errors or
 * a malformed ELF file.
 *
 * Written for cairn's stdenv: the bootstrap seed has no patchelf (which is
 * C++, and the seed has no C++ compiler), so this is compiled with the
 * seed's C compiler before any package is built.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *program = "shrink-rpath";

/* The whole file in memory (binaries are at most tens of megabytes). */
struct file {
	const char *path;
	unsigned char *data;
	size_t size;
};

static int fail(const char *path, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program, path, what);
	return -1;
}

static int read_file(struct file *f)
{
	int fd = open(f->path, O_RDONLY);
	if (fd < 0)
		return fail(f->path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return fail(f->path, strerror(errno));
	}
	f->size = (size_t)st.st_size;
	f->data = malloc(f->size ? f->size : 1);
	if (!f->data) {
		close(fd);
		return fail(f->path, "out of memory");
	}
	size_t done = 0;
	while (done < f->size) {
		ssize_t n = read(fd, f->data + done, f->size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return fail(f->path, n < 0 ? strerror(errno) : "file shrank while reading");
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

/* Writes `len` bytes at `offset` (the RUNPATH string, and nothing else). */
static int write_at(const struct file *f, size_t offset, const void *bytes, size_t len)
{
	struct stat st;
	if (stat(f->path, &st) != 0)
		return fail(f->path, strerror(errno));
	/* Outputs are writable while the build runs; be sure of it. */
	if (!(st.st_mode & S_IWUSR) && chmod(f->path, st.st_mode | S_IWUSR) != 0)
		return fail(f->path, strerror(errno));
	int fd = open(f->path, O_WRONLY);
	int ok = fd >= 0 && pwrite(fd, bytes, len, (off_t)offset) == (ssize_t)len;
	int saved = errno;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (!(st.st_mode & S_IWUSR))
		chmod(f->path, st.st_mode);
	if (!ok)
		return fail(f->path, strerror(saved));
	return 0;
}

static int in_file(const struct file *f, uint64_t offset, uint64_t len)
{
	return offset <= f->size && len <= f->size - offset;
}

/* The file offset of virtual address `addr`, through the PT_LOAD
 * segments; 0 when no segment maps it. */
static uint64_t vaddr_to_offset(const Elf64_Phdr *ph, int count, uint64_t addr)
{
	for (int i = 0; i < count; i++) {
		if (ph[i].p_type == PT_LOAD && addr >= ph[i].p_vaddr &&
		    addr < ph[i].p_vaddr + ph[i].p_filesz)
			return addr - ph[i].p_vaddr + ph[i].p_offset;
	}
	return 0;
}

/* Whether directory `dir` (of length `len`) holds a file named `name`. */
static int dir_has(const char *dir, size_t len, const char *name)
{
	char path[4096];
	if (len + 1 + strlen(name) + 1 > sizeof path)
		return 0;
	memcpy(path, dir, len);
	path[len] = '/';
	strcpy(path + len + 1, name);
	struct stat st;
	return stat(path, &st) == 0;
}

static int shrink(const char *store, const char *path)
{
	struct file f = { .path = path };
	if (read_file(&f) != 0)
		return -1;
	int result = 0;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f.data;
	if (f.size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
		goto done; /* not ours to touch */
	if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(&f, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))) {
		result = fail(path, "program headers outside the file");
		goto done;
	}
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(f.data + eh->e_phoff);
	const Elf64_Phdr *dynamic = NULL;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dynamic = &ph[i];
	if (!dynamic)
		goto done; /* static */
	if (!in_file(&f, dynamic->p_offset, dynamic->p_filesz)) {
		result = fail(path, "dynamic section outside the file");
		goto done;
	}
	const Elf64_Dyn *dyn = (const Elf64_Dyn *)(f.data + dynamic->p_offset);
	size_t ndyn = dynamic->p_filesz / sizeof(Elf64_Dyn);
	uint64_t strtab = 0, strsz = 0, rpath = 0;
	int has_rpath = 0;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		switch (dyn[i].d_tag) {
		case DT_STRTAB: strtab = dyn[i].d_un.d_ptr; break;
		case DT_STRSZ: strsz = dyn[i].d_un.d_val; break;
		case DT_RUNPATH:
		case DT_RPATH:
			rpath = dyn[i].d_un.d_val;
			has_rpath = 1;
			break;
		}
	}
	if (!has_rpath)
		goto done;
	uint64_t strings = vaddr_to_offset(ph, eh->e_phnum, strtab);
	if (!strings || !in_file(&f, strings, strsz) || rpath >= strsz) {
		result = fail(path, "string table outside the file");
		goto done;
	}
	const char *table = (const char *)(f.data + strings);
	if (!memchr(table + rpath, 0, strsz - rpath)) {
		result = fail(path, "RUNPATH is not terminated");
		goto done;
	}
	const char *old = table + rpath;
	size_t old_len = strlen(old);

	/* The libraries the file needs, and which of them a kept directory
	 * already provides. */
	const char *needed[256];
	int found[256] = { 0 };
	int nneeded = 0;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag != DT_NEEDED || dyn[i].d_un.d_val >= strsz)
			continue;
		const char *name = table + dyn[i].d_un.d_val;
		if (!memchr(name, 0, strsz - dyn[i].d_un.d_val))
			continue;
		if (nneeded == 256)
			goto done; /* more than we track: keep the RUNPATH whole */
		needed[nneeded++] = name;
	}

	char *new = calloc(old_len + 1, 1);
	if (!new) {
		result = fail(path, "out of memory");
		goto done;
	}
	size_t new_len = 0, store_len = strlen(store);
	for (const char *entry = old; *entry;) {
		const char *end = strchr(entry, ':');
		size_t len = end ? (size_t)(end - entry) : strlen(entry);
		int keep = 0;
		if (len && memmem(entry, len, "$ORIGIN", 7)) {
			keep = 1;
		} else if (len > store_len && memcmp(entry, store, store_len) == 0 &&
			   entry[store_len] == '/') {
			for (int i = 0; i < nneeded; i++) {
				if (!found[i] && dir_has(entry, len, needed[i])) {
					found[i] = keep = 1;
				}
			}
		}
		if (keep) {
			if (new_len)
				new[new_len++] = ':';
			memcpy(new + new_len, entry, len);
			new_len += len;
		}
		entry += len;
		if (*entry == ':')
			entry++;
	}
	if (new_len != old_len || memcmp(new, old, old_len) != 0) {
		/* calloc'd: the tail up to old_len is already NUL padding. */
		result = write_at(&f, strings + rpath, new, old_len);
		if (result == 0)
			printf("shrink-rpath: %s: '%s' -> '%s'\n", path, old, new);
	}
	free(new);
done:
	free(f.data);
	return result;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s STORE_DIR FILE...\n", program);
		return 2;
	}
	int status = 0;
	for (int i = 2; i < argc; i++)
		if (shrink(argv[1], argv[i]) != 0)
			status = 1;
	return status;
}
