/* A minimal unit-test harness: CHECK records a failure and goes on. */
#ifndef SAVEPAGE_UNIT_H
#define SAVEPAGE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures, unit_checks;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		unit_checks++;                                                            \
		if (!(cond)) {                                                            \
			unit_failures++;                                                  \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
		}                                                                         \
	} while (0)

#define CHECK_STR(got, want)                                                              \
	do {                                                                              \
		const char *g_ = (got), *w_ = (want);                                     \
		unit_checks++;                                                            \
		if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_))) {             \
			unit_failures++;                                                  \
			printf("FAIL %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,  \
			       __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");  \
		}                                                                         \
	} while (0)

static inline int unit_done(void)
{
	printf("%d checks, %d failed\n", unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}

#endif
