/* json.c - a small streaming JSON writer: enough for dump, report and export. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "../common/kc_hash.h"
#include "kca.h"

void kca_json_init(struct kca_json *j, FILE *f, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = 1;
}

void kca_json_init_text(struct kca_json *j, FILE *f)
{
	kca_json_init(j, f, 0);
	j->text = 1;
}

/* The length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4   ? 4
		     : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		     : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
						    : 0;
	if (!len || len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	/* no overlong forms, surrogates or values past U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

void kca_json_escape(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			/* JSON is UTF-8: bytes of a trace that are not become U+FFFD */
			size_t len = utf8_len((const unsigned char *)s + i, n - i);
			if (len) {
				fwrite(s + i, 1, len, f);
				i += len - 1;
			} else {
				fputs("\\ufffd", f);
			}
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

/* Text mode (kcprof dump without --json): key=value pairs, bare words where they are bare. */
static int bare(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == '"' || s[i] == ',' || s[i] == ']' || s[i] == '}' ||
		    s[i] == '=')
			return 0;
	return 1;
}

static void sep(struct kca_json *j, const char *key)
{
	if (j->text) {
		if (!j->first[j->depth])
			fputc(j->depth <= 1 || j->in_obj[j->depth] ? ' ' : ',', j->f);
		j->first[j->depth] = 0;
		if (key)
			fprintf(j->f, "%s=", key);
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = 0;
	if (j->pretty && j->depth > 0) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	if (key) {
		kca_json_escape(j->f, key, strlen(key));
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void open_(struct kca_json *j, const char *key, char c)
{
	sep(j, key);
	if (!j->text || j->depth > 0)
		fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = 1;
	j->in_obj[j->depth] = c == '{';
}

static void close_(struct kca_json *j, char c)
{
	int empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (j->text) {
		if (j->depth > 0)
			fputc(c, j->f);
		return;
	}
	if (j->pretty && !empty) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void kca_json_obj(struct kca_json *j, const char *key)
{
	open_(j, key, '{');
}
void kca_json_arr(struct kca_json *j, const char *key)
{
	open_(j, key, '[');
}
void kca_json_end_obj(struct kca_json *j)
{
	close_(j, '}');
}
void kca_json_end_arr(struct kca_json *j)
{
	close_(j, ']');
}

void kca_json_strn(struct kca_json *j, const char *key, const char *v, size_t n)
{
	sep(j, key);
	if (j->text && v && bare(v, n))
		fwrite(v, 1, n, j->f);
	else
		kca_json_escape(j->f, v ? v : "", v ? n : 0);
}

void kca_json_str(struct kca_json *j, const char *key, const char *v)
{
	kca_json_strn(j, key, v, v ? strlen(v) : 0);
}

void kca_json_u64(struct kca_json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void kca_json_i64(struct kca_json *j, const char *key, int64_t v)
{
	sep(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void kca_json_dbl(struct kca_json *j, const char *key, double v)
{
	sep(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.15g", v);
	else
		fputs("null", j->f);
}

void kca_json_bool(struct kca_json *j, const char *key, int v)
{
	sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

void kca_json_null(struct kca_json *j, const char *key)
{
	sep(j, key);
	fputs("null", j->f);
}

void kca_json_hex(struct kca_json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, j->text ? "0x%" PRIx64 : "\"0x%" PRIx64 "\"", v);
}

void kca_json_hash(struct kca_json *j, const char *key, uint64_t h)
{
	if (!h) {
		kca_json_null(j, key);
		return;
	}
	char hex[17];
	kca_json_str(j, key, kc_hash_hex(h, hex));
}
