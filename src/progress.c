#include "config.h"

#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static struct {
	bool on;
	bool drawn;
	size_t total, done, failed;
	int64_t started, last_draw;
} pg;

static void progress_clear(void)
{
	if (pg.drawn) {
		fputs("\r\033[K", stderr);
		pg.drawn = false;
	}
}

static void format_duration(char *out, size_t n, double secs)
{
	long s = (long)(secs + 0.5);
	if (s >= 3600)
		snprintf(out, n, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(out, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(out, n, "%lds", s);
}

static void progress_draw(void)
{
	if (!pg.on)
		return;
	struct winsize ws;
	int cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	double el = (double)(now_ms() - pg.started) / 1000.0;
	double rate = el > 0.5 ? (double)pg.done / el : 0;
	char eta[32] = "?";
	if (rate > 0 && pg.done < pg.total)
		format_duration(eta, sizeof eta, (double)(pg.total - pg.done) / rate);
	else if (pg.done >= pg.total)
		snprintf(eta, sizeof eta, "0s");
	char tail[160];
	snprintf(tail, sizeof tail, " %zu/%zu  %zu failed  %.1f/s  ETA %s", pg.done, pg.total,
		 pg.failed, rate, eta);
	int barw = cols - (int)strlen(tail) - 3;
	if (barw > 40)
		barw = 40;
	char bar[64] = "";
	if (barw >= 10) {
		int fill = pg.total ? (int)((double)barw * (double)pg.done / (double)pg.total) : 0;
		bar[0] = '[';
		for (int i = 0; i < barw; i++)
			bar[1 + i] = i < fill ? '#' : '.';
		bar[1 + barw] = ']';
		bar[2 + barw] = '\0';
	}
	fprintf(stderr, "\r%s%s\033[K", bar, tail);
	fflush(stderr);
	pg.drawn = true;
	pg.last_draw = now_ms();
}

static void progress_before_log(void)
{
	progress_clear();
}

static void progress_after_log(void)
{
	progress_draw();
}

void progress_start(size_t total)
{
	pg.on = true;
	pg.total = total;
	pg.started = now_ms();
	log_set_hooks(progress_before_log, progress_after_log);
	progress_draw();
}

void progress_update(size_t done, size_t failed, bool force)
{
	if (!pg.on)
		return;
	pg.done = done;
	pg.failed = failed;
	if (force || now_ms() - pg.last_draw >= 200)
		progress_draw();
}

void progress_end(void)
{
	if (!pg.on)
		return;
	progress_clear();
	pg.on = false;
	log_set_hooks(NULL, NULL);
}
