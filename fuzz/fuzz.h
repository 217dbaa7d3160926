/* The fuzz targets' common part. Each fuzz/fuzz-NAME.c defines its entry
 * with FUZZ_ENTRY(NAME). Built with --enable-fuzz it is libFuzzer's
 * LLVMFuzzerTestOneInput (tools/fuzz runs them); built into
 * tests/test-fuzz-cases (make check) it is fuzz_NAME(), run on every kept
 * input under fuzz/cases/NAME/. FUZZ_CHECK states a property that must
 * hold for every input: a failure aborts, and the fuzzer keeps the input. */
#ifndef SAVEPAGE_FUZZ_H
#define SAVEPAGE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef FUZZ_REPLAY
#define FUZZ_ENTRY(name) int fuzz_##name(const uint8_t *data, size_t size)
int fuzz_urls(const uint8_t *data, size_t size);
int fuzz_name(const uint8_t *data, size_t size);
int fuzz_config(const uint8_t *data, size_t size);
int fuzz_blocklist(const uint8_t *data, size_t size);
int fuzz_cdp(const uint8_t *data, size_t size);
int fuzz_api(const uint8_t *data, size_t size);
#else
#define FUZZ_ENTRY(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

#define FUZZ_CHECK(cond)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                   \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* The input as a string (a NUL byte in it ends the string). Caller frees. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

/* Takes the next part of the input up to a separator byte (or the end);
 * *len its length. NULL when nothing is left. */
static inline const uint8_t *fuzz_part(const uint8_t **data, size_t *size, uint8_t sep,
				       size_t *len)
{
	if (!*size)
		return NULL;
	const uint8_t *p = *data;
	size_t n = 0;
	while (n < *size && p[n] != sep)
		n++;
	*len = n;
	*data += n < *size ? n + 1 : n;
	*size -= n < *size ? n + 1 : n;
	return p;
}

/* Installs a log sink that checks every message savepage would print: text
 * (UTF-8, no control characters) and of a readable length, whatever the
 * input. Messages are otherwise dropped. */
void fuzz_quiet_checked_log(void);
/* Aborts unless text is one readable line (UTF-8, no control characters)
 * of at most max bytes. */
void fuzz_check_text(const char *text, size_t max);

#endif
