/* libholder.c - a library whose constructor holds the loader's lock until told to return
 * (tests/gpu/cupti_loader_lock.c): it writes a byte to fd $HOLD_IN, then reads one from fd
 * $HOLD_OUT. */
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void hold(void)
{
	const char *in = getenv("HOLD_IN"), *out = getenv("HOLD_OUT");
	char c = 'x';
	if (!in || !out)
		return;
	(void)!write(atoi(in), &c, 1);
	(void)!read(atoi(out), &c, 1);
}
