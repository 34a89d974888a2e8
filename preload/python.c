/* python.c - where a load was asked for, in a Python process: the calling thread's Python frames
 * and, under Triton's JIT, the specialisation that made the build (each tl.constexpr's value,
 * each int argument's divisibility), under jax.jit the function compiled, read through the
 * CPython C API the process already has.
 *
 * No libpython link and no Python code of ours: every function is found with dlsym in the
 * process, once (a libpython loaded RTLD_LOCAL, or after CUDA's first use, stays unseen), and
 * any missing one turns this off. Only names, ints, floats, bools and strings are read (never
 * repr(): a CUDA tensor's synchronises the GPU), with the garbage collector held off so that no
 * finaliser runs inside a hook.
 *
 * The calling thread never waits for the GIL: it may hold a lock (its own, or the driver's
 * inside a CUPTI callback) that the GIL's holder waits for. Where it holds the GIL already it
 * reads its own frames. Where it released the GIL (Triton does, around cuModuleLoadData), a
 * reader thread takes the GIL and reads the caller's frames, as sys._current_frames() reads
 * another thread's, while the caller waits at most KCP_PY_WAIT_MS: past that, the load goes on
 * without them, and the reader drops the request. An exception the program had set is put
 * back as it was.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "kcp.h"

#define MAX_FRAMES 128
#define KCP_PY_WAIT_MS 20 /* the longest a load waits for its frames */

/* The C API, as found in the process (PyObject * as void *). */
static struct {
	int ok;
	int (*IsInitialized)(void);
	int (*IsFinalizing)(void);
	void *(*ThreadState_Current)(void); /* the current thread state, or NULL: no GIL held */
	int (*GILState_Ensure)(void);
	void (*GILState_Release)(int);
	void *(*GILState_GetThisThreadState)(void);
	void *(*ThreadState_GetFrame)(void *);
	void *(*ThreadState_GetInterpreter)(void *); /* 3.9+ */
	void *(*InterpreterState_Main)(void);
	void *(*Frame_GetBack)(void *);
	void *(*Frame_GetCode)(void *);
	int (*Frame_GetLineNumber)(void *);
	void *(*Frame_GetLocals)(void *); /* 3.11+; else the frame's f_locals */
	int (*GC_Disable)(void);	  /* 3.10+ */
	int (*GC_Enable)(void);
	void *(*Object_GetAttrString)(void *, const char *);
	void *(*Object_Type)(void *);
	const char *(*Unicode_AsUTF8)(void *);
	void (*DecRef)(void *);
	void (*Err_Fetch)(void **, void **, void **);
	void (*Err_Restore)(void *, void *, void *);
	void (*Err_Clear)(void);
	void *(*Mapping_GetItemString)(void *, const char *);
	void *(*Dict_GetItemString)(void *, const char *); /* borrowed */
	void *(*Object_GenericGetDict)(void *, void *);	   /* no __getattribute__ */
	int (*Dict_Next)(void *, ssize_t *, void **, void **);
	void *(*Sequence_GetItem)(void *, ssize_t);
	int (*Sequence_Contains)(void *, void *);
	void *(*Long_FromLong)(long);
	long long (*Long_AsLongLong)(void *);
	double (*Float_AsDouble)(void *);
	void *long_type, *bool_type, *float_type, *unicode_type, *dict_type, *list_type,
	    *tuple_type, *none;
} py;

static struct kcp_once py_once = KCP_ONCE_INIT;
static _Atomic int py_present; /* py_resolve found Py_IsInitialized (no dlsym inside the driver) */
static void req_clock_init(void);

static void py_resolve(void)
{
	struct {
		void *slot;
		const char *name;
		int optional;
	} syms[] = {
#define SYM(field, name, opt) {&py.field, name, opt}
	    SYM(IsInitialized, "Py_IsInitialized", 0),
	    SYM(GILState_Ensure, "PyGILState_Ensure", 0),
	    SYM(GILState_Release, "PyGILState_Release", 0),
	    SYM(GILState_GetThisThreadState, "PyGILState_GetThisThreadState", 0),
	    SYM(ThreadState_GetFrame, "PyThreadState_GetFrame", 0), /* 3.9+ */
	    SYM(ThreadState_GetInterpreter, "PyThreadState_GetInterpreter", 0),
	    SYM(InterpreterState_Main, "PyInterpreterState_Main", 0),
	    SYM(Frame_GetBack, "PyFrame_GetBack", 0),
	    SYM(Frame_GetCode, "PyFrame_GetCode", 0),
	    SYM(Frame_GetLineNumber, "PyFrame_GetLineNumber", 0),
	    SYM(Frame_GetLocals, "PyFrame_GetLocals", 1),
	    SYM(GC_Disable, "PyGC_Disable", 1),
	    SYM(GC_Enable, "PyGC_Enable", 1),
	    SYM(Object_GetAttrString, "PyObject_GetAttrString", 0),
	    SYM(Object_Type, "PyObject_Type", 0),
	    SYM(Unicode_AsUTF8, "PyUnicode_AsUTF8", 0),
	    SYM(DecRef, "Py_DecRef", 0),
	    SYM(Err_Fetch, "PyErr_Fetch", 0),
	    SYM(Err_Restore, "PyErr_Restore", 0),
	    SYM(Err_Clear, "PyErr_Clear", 0),
	    SYM(Mapping_GetItemString, "PyMapping_GetItemString", 0),
	    SYM(Dict_GetItemString, "PyDict_GetItemString", 0),
	    SYM(Object_GenericGetDict, "PyObject_GenericGetDict", 0),
	    SYM(Dict_Next, "PyDict_Next", 0),
	    SYM(Sequence_GetItem, "PySequence_GetItem", 0),
	    SYM(Sequence_Contains, "PySequence_Contains", 0),
	    SYM(Long_FromLong, "PyLong_FromLong", 0),
	    SYM(Long_AsLongLong, "PyLong_AsLongLong", 0),
	    SYM(Float_AsDouble, "PyFloat_AsDouble", 0),
	    SYM(long_type, "PyLong_Type", 0),
	    SYM(bool_type, "PyBool_Type", 0),
	    SYM(float_type, "PyFloat_Type", 0),
	    SYM(unicode_type, "PyUnicode_Type", 0),
	    SYM(dict_type, "PyDict_Type", 0),
	    SYM(list_type, "PyList_Type", 0),
	    SYM(tuple_type, "PyTuple_Type", 0),
	    SYM(none, "_Py_NoneStruct", 0),
#undef SYM
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = kcp_real_dlsym(RTLD_DEFAULT, syms[i].name);
		if (i == 0 && p)
			atomic_store(&py_present, 1);
		memcpy(syms[i].slot, &p, sizeof(p));
		if (!p && !syms[i].optional)
			return; /* not a Python process, or a Python before 3.9 */
	}
	/* The current thread state, without PyThreadState_Get's fatal error when there is none:
	 * this thread holds the GIL through its own state when it is this thread's.
	 * (PyGILState_Check cannot tell: it answers 1 for every thread once a sub-interpreter was
	 * made.) */
	void *cur = kcp_real_dlsym(RTLD_DEFAULT, "PyThreadState_GetUnchecked"); /* 3.13 */
	if (!cur)
		cur = kcp_real_dlsym(RTLD_DEFAULT, "_PyThreadState_UncheckedGet");
	void *fin = kcp_real_dlsym(RTLD_DEFAULT, "Py_IsFinalizing"); /* 3.13 */
	if (!fin)
		fin = kcp_real_dlsym(RTLD_DEFAULT, "_Py_IsFinalizing");
	if (!cur)
		return;
	memcpy(&py.ThreadState_Current, &cur, sizeof(cur));
	memcpy(&py.IsFinalizing, &fin, sizeof(fin));
	req_clock_init();
	py.ok = 1;
}

static void unref(void *o)
{
	if (o)
		py.DecRef(o);
}

/* A call's new reference, or NULL with the error it raised cleared (the C API must not be
 * called with an error set). */
static void *got(void *o)
{
	if (!o)
		py.Err_Clear();
	return o;
}

/* A string object's UTF-8, or NULL (the error cleared). Valid while the object lives. */
static const char *utf8(void *o)
{
	return o ? got((void *)py.Unicode_AsUTF8(o)) : NULL;
}

/* s into buf, tabs and newlines (the record's separators) as spaces, cut at a whole UTF-8
 * character. */
static void copy_field(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* s[n] continues a character: cut before it */
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] == '\t' || s[i] == '\n' ? ' ' : s[i];
	buf[n] = '\0';
}

/* An attribute that is a string, copied into buf; 0, or -1 if absent. */
static int attr_str(void *o, const char *name, char *buf, size_t cap)
{
	void *a = got(py.Object_GetAttrString(o, name));
	const char *s = utf8(a);
	if (s)
		copy_field(buf, cap, s);
	unref(a);
	return s ? 0 : -1;
}

static int is_type(void *o, void *t);

/* A Triton dtype (tl.float16) as its name ("fp16"): an object whose own __dict__ (read
 * without __getattribute__) holds a str name and an int primitive_bitwidth; 0, or -1. */
static int dtype_str(void *v, char *buf, size_t cap)
{
	void *d = got(py.Object_GenericGetDict(v, NULL));
	void *name = is_type(d, py.dict_type) ? py.Dict_GetItemString(d, "name") : NULL;
	void *bits = is_type(d, py.dict_type) ? py.Dict_GetItemString(d, "primitive_bitwidth")
					      : NULL; /* both borrowed */
	int rc = -1;
	const char *s =
	    is_type(name, py.unicode_type) && is_type(bits, py.long_type) ? utf8(name) : NULL;
	if (s) {
		copy_field(buf, cap, s);
		rc = 0;
	}
	unref(d);
	return rc;
}

/* A value Triton keeps of a parameter, as text: ints, bools, floats, strings, None and
 * Triton's dtypes; "?" for anything else (never its repr). */
static void value_str(void *v, char *buf, size_t cap)
{
	snprintf(buf, cap, "?");
	if (!v)
		return;
	if (v == py.none) {
		snprintf(buf, cap, "None");
		return;
	}
	void *t = py.Object_Type(v);
	if (t == py.bool_type) {
		snprintf(buf, cap, "%s", py.Long_AsLongLong(v) ? "True" : "False");
	} else if (t == py.long_type) {
		long long x = py.Long_AsLongLong(v);
		snprintf(buf, cap, "%lld", x);
		if (x == -1)
			py.Err_Clear(); /* too large for a long long: "-1" is no worse than "?" */
	} else if (t == py.float_type) {
		snprintf(buf, cap, "%.17g", py.Float_AsDouble(v));
	} else if (t == py.unicode_type) {
		const char *s = utf8(v);
		if (s)
			copy_field(buf, cap, s);
	} else {
		dtype_str(v, buf, cap);
	}
	unref(t);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* Whether o is exactly of type t (no subclass: nothing of the program's runs on it). */
static int is_type(void *o, void *t)
{
	if (!o)
		return 0;
	void *ot = py.Object_Type(o);
	unref(ot);
	return ot == t;
}

/* The specialisation of a call of JITFunction.run, from its frame's locals: bound_args
 * (parameter -> value, in order), specialization (per parameter: (type, flag) or
 * ("constexpr", value)) and self.constexprs (the tl.constexpr parameters' indices). Returns 0,
 * or -1 when they are not there (another Triton). No Python code runs: exact dicts, lists,
 * tuples, ints and strings only, and self's attribute from its __dict__, so that no property
 * or __getattr__ of the program's can let the GIL go while another thread's frames are read. */
static int read_triton_args(void *frame, struct kc_recbuf *rb)
{
	void *locals = got(py.Frame_GetLocals ? py.Frame_GetLocals(frame)
					      : py.Object_GetAttrString(frame, "f_locals"));
	if (!locals)
		return -1;
	void *bound = got(py.Mapping_GetItemString(locals, "bound_args"));
	void *spec = got(py.Mapping_GetItemString(locals, "specialization"));
	void *self = got(py.Mapping_GetItemString(locals, "self"));
	void *self_dict = self ? got(py.Object_GenericGetDict(self, NULL)) : NULL;
	void *constexprs = is_type(self_dict, py.dict_type)
			       ? py.Dict_GetItemString(self_dict, "constexprs") /* borrowed */
			       : NULL;
	if (!is_type(constexprs, py.list_type))
		constexprs = NULL;
	int rc = -1;
	if (is_type(bound, py.dict_type) &&
	    (is_type(spec, py.list_type) || is_type(spec, py.tuple_type))) {
		ssize_t pos = 0, i = 0;
		void *key, *value;
		while (py.Dict_Next(bound, &pos, &key, &value)) {
			const char *name = is_type(key, py.unicode_type) ? utf8(key) : NULL;
			char kind[64] = "?", val[160] = "?", field[96], line[336];
			int is_constexpr = 0;
			if (constexprs) { /* a list of ints: compared in C */
				void *ix = got(py.Long_FromLong((long)i));
				is_constexpr = ix && py.Sequence_Contains(constexprs, ix) == 1;
				unref(ix);
				py.Err_Clear();
			}
			void *sp = got(py.Sequence_GetItem(spec, i));
			int pair = is_type(sp, py.tuple_type);
			void *sp_type = pair ? got(py.Sequence_GetItem(sp, 0)) : NULL;
			void *sp_val = pair ? got(py.Sequence_GetItem(sp, 1)) : NULL;
			const char *st = is_type(sp_type, py.unicode_type) ? utf8(sp_type) : NULL;
			if (is_constexpr) {
				snprintf(kind, sizeof(kind), "constexpr");
				value_str(value, val, sizeof(val));
			} else if (st && strcmp(st, "constexpr") == 0) {
				snprintf(kind, sizeof(kind), "specialized");
				value_str(sp_val, val, sizeof(val));
			} else if (st) {
				copy_field(kind, sizeof(kind), st);
				value_str(sp_val, val, sizeof(val));
			}
			unref(sp_val);
			unref(sp_type);
			unref(sp);
			if (name) {
				copy_field(field, sizeof(field), name);
				snprintf(line, sizeof(line), "%s\t%s\t%s", field, kind, val);
				kc_rb_list_add(rb, line);
			}
			i++;
		}
		rc = 0;
	}
	unref(self_dict);
	unref(self);
	unref(spec);
	unref(bound);
	unref(locals);
	return rc;
}

/* The name of the function jax.jit compiles, from the locals of JAX's _pjit_call_impl_python
 * (its `name`, a str: XLA names its kernels alike in every function, loop_add_fusion, so the
 * function tells them apart), as one args entry "name\tjax.jit\tNAME". 0, or -1. */
static int read_jax_name(void *frame, struct kc_recbuf *rb)
{
	void *locals = got(py.Frame_GetLocals ? py.Frame_GetLocals(frame)
					      : py.Object_GetAttrString(frame, "f_locals"));
	void *name = locals ? got(py.Mapping_GetItemString(locals, "name")) : NULL;
	const char *s = is_type(name, py.unicode_type) ? utf8(name) : NULL;
	if (s) {
		char field[256], line[300];
		copy_field(field, sizeof(field), s);
		snprintf(line, sizeof(line), "name\t" KC_CALLSITE_JAX_JIT "\t%s", field);
		kc_rb_list_add(rb, line);
	}
	unref(name);
	unref(locals);
	return s ? 0 : -1;
}

/* The frames of thread state tstate (and Triton's arguments) into rec's two lists; the GIL
 * held by the calling thread, the program's pending exception put aside, the collector off.
 * Returns the flags, or UINT32_MAX when no frame was read. */
static unsigned read_frames(void *tstate, struct kc_recbuf *rb, struct kc_rec_callsite *rec)
{
	void *et, *ev, *etb;
	py.Err_Fetch(&et, &ev, &etb);
	int gc = py.GC_Disable ? py.GC_Disable() : 0; /* no finaliser runs in here */
	unsigned flags = 0, n = 0;
	void *frame = got(py.ThreadState_GetFrame(tstate));
	void *jit_frame = NULL, *jax_frame = NULL;
	kc_rb_list_begin(rb);
	while (frame) {
		if (n == MAX_FRAMES) {
			flags |= KC_CALLSITEF_TRUNCATED;
			break;
		}
		void *code = got(py.Frame_GetCode(frame));
		char file[4096] = "?", func[512] = "?", line[4700];
		if (code) {
			attr_str(code, "co_filename", file, sizeof(file));
			if (attr_str(code, "co_qualname", func, sizeof(func)) < 0) /* 3.11+ */
				attr_str(code, "co_name", func, sizeof(func));
			unref(code);
		}
		snprintf(line, sizeof(line), "%s\t%d\t%s", file, py.Frame_GetLineNumber(frame),
			 func);
		kc_rb_list_add(rb, line);
		n++;
		void *back = got(py.Frame_GetBack(frame));
		if (!jit_frame && ends_with(file, "/triton/runtime/jit.py") &&
		    (strcmp(func, "run") == 0 || ends_with(func, ".run")))
			jit_frame = frame; /* the innermost: the kernel being built; kept */
		else if (!jax_frame && ends_with(file, "/jax/_src/pjit.py") &&
			 strcmp(func, "_pjit_call_impl_python") == 0)
			jax_frame = frame; /* the function jax.jit compiles; kept */
		else
			unref(frame);
		frame = back;
	}
	unref(frame);
	rec->frames = kc_rb_list_end(rb);
	kc_rb_list_begin(rb);
	if (jit_frame && read_triton_args(jit_frame, rb) < 0)
		flags |= KC_CALLSITEF_ARGS_UNREAD;
	else if (!jit_frame && jax_frame && read_jax_name(jax_frame, rb) < 0)
		flags |= KC_CALLSITEF_ARGS_UNREAD;
	rec->args = kc_rb_list_end(rb);
	unref(jit_frame);
	unref(jax_frame);
	if (gc)
		py.GC_Enable();
	py.Err_Restore(et, ev, etb);
	return n ? flags : UINT32_MAX;
}

/* ---- the reader thread: frames of a thread that released the GIL ------------------------- */

enum { REQ_QUEUED, REQ_READING, REQ_DONE, REQ_DROPPED };

struct py_request {
	struct py_request *next;
	_Atomic int refs; /* the caller's and the reader's */
	int state;	  /* REQ_*, under req_lock */
	void *tstate;	  /* the caller's */
	unsigned flags;
	struct kc_recbuf rb;
	struct kc_rec_callsite rec;
	_Alignas(8) uint8_t mem[16384];
};

static pthread_mutex_t req_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t req_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t req_done; /* on CLOCK_MONOTONIC: req_clock_init() */
static struct py_request *req_queue;
static pid_t reader_pid; /* the process the reader thread runs in; 0: none */

static void req_put(struct py_request *r)
{
	if (atomic_fetch_sub(&r->refs, 1) == 1) {
		kc_rb_release(&r->rb);
		free(r);
	}
}

/* Python ends a thread that asks for the GIL while it finalises (pthread_exit inside
 * PyGILState_Ensure): the request in hand is let go, and a later request starts a reader. */
static void reader_exited(void *r)
{
	__atomic_store_n(&reader_pid, 0, __ATOMIC_RELEASE);
	req_put(r);
}

static void *reader_main(void *arg)
{
	(void)arg;
	kcp_tls.guard = 1; /* kcprof's own thread: nothing it does is recorded */
	for (;;) {
		kcp_lock(&req_lock);
		while (!req_queue)
			pthread_cond_wait(&req_ready, &req_lock);
		struct py_request *r = req_queue;
		req_queue = r->next;
		int dropped = r->state == REQ_DROPPED;
		kcp_unlock(&req_lock);
		if (dropped) { /* its caller went on already: no GIL taken for nothing */
			req_put(r);
			continue;
		}
		/* May wait while the GIL's holder waits for what the caller holds: the caller
		 * stops waiting first, and the request is dropped. */
		int gil;
		pthread_cleanup_push(reader_exited, r);
		gil = py.GILState_Ensure();
		pthread_cleanup_pop(0);
		kcp_lock(&req_lock);
		int live = r->state == REQ_QUEUED; /* the caller still in its hook: its state too */
		if (live)
			r->state = REQ_READING;
		kcp_unlock(&req_lock);
		if (live)
			r->flags = read_frames(r->tstate, &r->rb, &r->rec);
		py.GILState_Release(gil);
		kcp_lock(&req_lock);
		if (r->state == REQ_READING)
			r->state = REQ_DONE;
		pthread_cond_broadcast(&req_done);
		kcp_unlock(&req_lock);
		req_put(r);
	}
	return NULL;
}

/* The reader thread, started once a process; 0, or -1 when it cannot be. */
static int reader_start(void)
{
	pid_t pid = getpid();
	if (__atomic_load_n(&reader_pid, __ATOMIC_ACQUIRE) == pid)
		return 0;
	kcp_lock(&req_lock);
	int rc = 0;
	if (reader_pid != pid) {
		pthread_t t;
		pthread_attr_t attr;
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay the program's */
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024); /* read_frames keeps ~10 KB */
		rc = pthread_create(&t, &attr, reader_main, NULL) == 0 ? 0 : -1;
		pthread_attr_destroy(&attr);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == 0)
			__atomic_store_n(&reader_pid, pid, __ATOMIC_RELEASE);
	}
	kcp_unlock(&req_lock);
	return rc;
}

/* A caller's wait on the monotonic clock: a clock set back must not stretch it. */
static void req_clock_init(void)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&req_done, &attr);
	pthread_condattr_destroy(&attr);
}

/* The reader's queue and lock, as a fork leaves them in the child: started afresh there. */
void kcp_python_atfork_child(void)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
	req_lock = lock;
	req_ready = ready;
	if (py.ok)
		req_clock_init();
	req_queue = NULL; /* the parent's requests: their memory is the parent's concern */
	reader_pid = 0;
}

/* This thread's frames read by the reader thread, waiting KCP_PY_WAIT_MS at most: the record
 * written by this thread, or nothing. */
static void read_by_reader(void *tstate, unsigned for_type, uint64_t t0)
{
	if (reader_start() < 0)
		return;
	struct py_request *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	atomic_init(&r->refs, 2);
	r->tstate = tstate;
	r->flags = UINT32_MAX;
	kc_rb_init(&r->rb, r->mem, sizeof(r->mem), sizeof(r->rec));
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline); /* req_done waits on this clock */
	deadline.tv_nsec += KCP_PY_WAIT_MS * 1000000L;
	deadline.tv_sec += deadline.tv_nsec / 1000000000L;
	deadline.tv_nsec %= 1000000000L;
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel); /* no unwinding with the lock */
	kcp_lock(&req_lock);
	r->next = req_queue; /* order does not matter: each caller waits for its own */
	req_queue = r;
	pthread_cond_signal(&req_ready);
	/* Bounded whatever the reader is at: a read under way may run Python code (an attribute,
	 * a comparison) that waits for what this thread holds. Going on while it reads is safe:
	 * this thread cannot run Python, nor end, until the reader lets the GIL go. */
	while (r->state == REQ_QUEUED || r->state == REQ_READING)
		if (pthread_cond_timedwait(&req_done, &req_lock, &deadline) == ETIMEDOUT) {
			if (r->state != REQ_DONE)
				r->state = REQ_DROPPED;
			break;
		}
	int done = r->state == REQ_DONE;
	kcp_unlock(&req_lock);
	pthread_setcancelstate(cancel, NULL);
	if (done && r->flags != UINT32_MAX) {
		r->rec.for_type = for_type;
		r->rec.flags = r->flags;
		r->rec.read_ns = kcp_now_ns() - t0;
		kcp_rec_emit(&r->rb, &r->rec, KC_REC_CALLSITE);
	}
	req_put(r);
}

int kcp_python_callsite(unsigned for_type)
{
	if (!kcp_cfg.python)
		return 0;
	if (!kcp_once(&py_once, py_resolve)) /* being looked up on another thread right now */
		return atomic_load(
		    &py_present); /* Python's: no frames this time, nor native ones */
	if (!py.ok || !py.IsInitialized())
		return 0;
	if ((py.IsFinalizing && py.IsFinalizing()) || !py.GC_Disable)
		return 1; /* a Python process, but no frames to be had (before 3.10, or ending) */
	void *mine = py.GILState_GetThisThreadState();
	if (!mine)
		return 1; /* a thread Python never ran on: no frames */
	void *main_interp = py.InterpreterState_Main();
	void *cur = py.ThreadState_Current();
	/* The main interpreter's threads only: a sub-interpreter's objects are its own (its own
	 * GIL and allocator from 3.12; before, the thread's GILState state is the main one's while
	 * it runs another's, so its frames would be the wrong ones). */
	if (py.ThreadState_GetInterpreter(mine) != main_interp ||
	    (cur && cur != mine && py.ThreadState_GetInterpreter(cur) != main_interp))
		return 1;
	/* Held by this thread through its own state: read here. Else (released around the call,
	 * or another interpreter's state on this thread): the reader thread. Before 3.12 the
	 * current state is the process's, the GIL's holder, whichever thread that is. */
	int held = cur == mine;
	uint64_t t0 = kcp_now_ns();
	if (!held) {
		read_by_reader(mine, for_type, t0);
		return 1;
	}
	_Alignas(8) uint8_t mem[16384];
	struct kc_recbuf rb;
	struct kc_rec_callsite rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	unsigned flags = read_frames(mine, &rb, &rec);
	if (flags != UINT32_MAX) {
		rec.for_type = for_type;
		rec.flags = flags;
		rec.read_ns = kcp_now_ns() - t0;
		kcp_rec_emit(&rb, &rec, KC_REC_CALLSITE);
	}
	kc_rb_release(&rb);
	return 1;
}
