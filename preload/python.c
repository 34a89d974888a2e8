/* python.c - where a load was asked for, in a Python process: the calling thread's Python frames
 * and, under Triton's JIT, the specialisation that made the build (each tl.constexpr's value,
 * each int argument's divisibility), read through the CPython C API the process already has.
 *
 * No libpython link and no Python code of ours: every function is found with dlsym in the
 * process, once, and any missing one turns this off. Only names, ints, floats, bools and
 * strings are read (never repr(): a CUDA tensor's synchronises the GPU). The GIL is taken only
 * where that cannot deadlock: a hook before its real call (holding no driver lock) on a thread
 * Python knows (Triton releases the GIL around cuModuleLoadData); inside the driver (CUPTI's
 * callbacks) frames are read only when this thread holds the GIL already. An exception the
 * program had set is put back as it was.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "kcp.h"

#define MAX_FRAMES 128

/* The C API, as found in the process (PyObject * as void *). */
static struct {
	int ok;
	int (*IsInitialized)(void);
	int (*IsFinalizing)(void);
	int (*GILState_Check)(void);
	int (*GILState_Ensure)(void);
	void (*GILState_Release)(int);
	void *(*GILState_GetThisThreadState)(void);
	void *(*ThreadState_GetFrame)(void *);
	void *(*Frame_GetBack)(void *);
	void *(*Frame_GetCode)(void *);
	int (*Frame_GetLineNumber)(void *);
	void *(*Frame_GetLocals)(void *); /* 3.11+; else the frame's f_locals */
	void *(*Object_GetAttrString)(void *, const char *);
	void *(*Object_Type)(void *);
	const char *(*Unicode_AsUTF8)(void *);
	void (*DecRef)(void *);
	void (*Err_Fetch)(void **, void **, void **);
	void (*Err_Restore)(void *, void *, void *);
	void (*Err_Clear)(void);
	void *(*Mapping_GetItemString)(void *, const char *);
	int (*Dict_Next)(void *, ssize_t *, void **, void **);
	void *(*Sequence_GetItem)(void *, ssize_t);
	int (*Sequence_Contains)(void *, void *);
	void *(*Long_FromLong)(long);
	long long (*Long_AsLongLong)(void *);
	double (*Float_AsDouble)(void *);
	void *long_type, *bool_type, *float_type, *unicode_type, *dict_type, *none;
} py;

static pthread_once_t py_once = PTHREAD_ONCE_INIT;

static void py_resolve(void)
{
	struct {
		void *slot;
		const char *name;
		int optional;
	} syms[] = {
#define SYM(field, name, opt) {&py.field, name, opt}
	    SYM(IsInitialized, "Py_IsInitialized", 0),
	    SYM(GILState_Check, "PyGILState_Check", 0),
	    SYM(GILState_Ensure, "PyGILState_Ensure", 0),
	    SYM(GILState_Release, "PyGILState_Release", 0),
	    SYM(GILState_GetThisThreadState, "PyGILState_GetThisThreadState", 0),
	    SYM(ThreadState_GetFrame, "PyThreadState_GetFrame", 0), /* 3.9+ */
	    SYM(Frame_GetBack, "PyFrame_GetBack", 0),
	    SYM(Frame_GetCode, "PyFrame_GetCode", 0),
	    SYM(Frame_GetLineNumber, "PyFrame_GetLineNumber", 0),
	    SYM(Frame_GetLocals, "PyFrame_GetLocals", 1),
	    SYM(Object_GetAttrString, "PyObject_GetAttrString", 0),
	    SYM(Object_Type, "PyObject_Type", 0),
	    SYM(Unicode_AsUTF8, "PyUnicode_AsUTF8", 0),
	    SYM(DecRef, "Py_DecRef", 0),
	    SYM(Err_Fetch, "PyErr_Fetch", 0),
	    SYM(Err_Restore, "PyErr_Restore", 0),
	    SYM(Err_Clear, "PyErr_Clear", 0),
	    SYM(Mapping_GetItemString, "PyMapping_GetItemString", 0),
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
	    SYM(none, "_Py_NoneStruct", 0),
#undef SYM
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = kcp_real_dlsym(RTLD_DEFAULT, syms[i].name);
		memcpy(syms[i].slot, &p, sizeof(p));
		if (!p && !syms[i].optional)
			return; /* not a Python process, or a Python before 3.9 */
	}
	void *fin = kcp_real_dlsym(RTLD_DEFAULT, "Py_IsFinalizing"); /* 3.13 */
	if (!fin)
		fin = kcp_real_dlsym(RTLD_DEFAULT, "_Py_IsFinalizing");
	memcpy(&py.IsFinalizing, &fin, sizeof(fin));
	py.ok = 1;
}

static void unref(void *o)
{
	if (o)
		py.DecRef(o);
}

/* A string object's UTF-8, or NULL (the error cleared). Valid while the object lives. */
static const char *utf8(void *o)
{
	if (!o)
		return NULL;
	const char *s = py.Unicode_AsUTF8(o);
	if (!s)
		py.Err_Clear();
	return s;
}

/* An attribute that is a string, copied into buf; 0, or -1 if absent. */
static int attr_str(void *o, const char *name, char *buf, size_t cap)
{
	void *a = py.Object_GetAttrString(o, name);
	if (!a) {
		py.Err_Clear();
		return -1;
	}
	const char *s = utf8(a);
	if (s)
		snprintf(buf, cap, "%s", s);
	unref(a);
	return s ? 0 : -1;
}

/* A value Triton keeps of a parameter, as text: ints, bools, floats, strings and None; "?" for
 * anything else (never its repr). */
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
			snprintf(buf, cap, "%s", s);
	}
	unref(t);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The specialisation of a call of JITFunction.run, from its frame's locals: bound_args
 * (parameter -> value, in order), specialization (per parameter: (type, flag) or
 * ("constexpr", value)) and self.constexprs (the tl.constexpr parameters' indices). Returns 0,
 * or -1 when they are not there (another Triton). */
static int read_triton_args(void *frame, struct kc_recbuf *rb)
{
	void *locals = py.Frame_GetLocals ? py.Frame_GetLocals(frame)
					  : py.Object_GetAttrString(frame, "f_locals");
	if (!locals) {
		py.Err_Clear();
		return -1;
	}
	void *bound = py.Mapping_GetItemString(locals, "bound_args");
	void *spec = py.Mapping_GetItemString(locals, "specialization");
	void *self = py.Mapping_GetItemString(locals, "self");
	void *constexprs = self ? py.Object_GetAttrString(self, "constexprs") : NULL;
	py.Err_Clear();
	void *bound_type = bound ? py.Object_Type(bound) : NULL;
	int rc = -1;
	if (bound_type == py.dict_type && spec) {
		ssize_t pos = 0, i = 0;
		void *key, *value;
		while (py.Dict_Next(bound, &pos, &key, &value)) {
			const char *name = utf8(key);
			char kind[64] = "?", val[160] = "?", line[320];
			int is_constexpr = 0;
			if (constexprs) {
				void *ix = py.Long_FromLong((long)i);
				is_constexpr = ix && py.Sequence_Contains(constexprs, ix) == 1;
				unref(ix);
				py.Err_Clear();
			}
			void *sp = py.Sequence_GetItem(spec, i);
			void *sp_type = sp ? py.Sequence_GetItem(sp, 0) : NULL;
			void *sp_val = sp ? py.Sequence_GetItem(sp, 1) : NULL;
			py.Err_Clear();
			const char *st = utf8(sp_type);
			if (is_constexpr) {
				snprintf(kind, sizeof(kind), "constexpr");
				value_str(value, val, sizeof(val));
			} else if (st && strcmp(st, "constexpr") == 0) {
				snprintf(kind, sizeof(kind), "specialized");
				value_str(sp_val, val, sizeof(val));
			} else if (st) {
				snprintf(kind, sizeof(kind), "%s", st);
				value_str(sp_val, val, sizeof(val));
			}
			unref(sp_val);
			unref(sp_type);
			unref(sp);
			if (name) {
				snprintf(line, sizeof(line), "%s\t%s\t%s", name, kind, val);
				kc_rb_list_add(rb, line);
			}
			i++;
		}
		rc = 0;
	}
	unref(bound_type);
	unref(constexprs);
	unref(self);
	unref(spec);
	unref(bound);
	unref(locals);
	py.Err_Clear();
	return rc;
}

/* The thread's frames (and Triton's arguments) into rb's two lists; the GIL held. */
static unsigned read_frames(struct kc_recbuf *rb, struct kc_strlist *frames_out,
			    struct kc_strlist *args_out)
{
	unsigned flags = 0, n = 0;
	void *tstate = py.GILState_GetThisThreadState();
	void *frame = tstate ? py.ThreadState_GetFrame(tstate) : NULL;
	void *jit_frame = NULL;
	kc_rb_list_begin(rb);
	while (frame) {
		if (n == MAX_FRAMES) {
			flags |= KC_CALLSITEF_TRUNCATED;
			break;
		}
		void *code = py.Frame_GetCode(frame);
		char file[512] = "?", func[256] = "?", line[1024];
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
		if (!jit_frame && ends_with(file, "/triton/runtime/jit.py") &&
		    (strcmp(func, "run") == 0 || ends_with(func, ".run"))) {
			jit_frame = frame; /* the innermost: the kernel being built */
			frame = py.Frame_GetBack(frame);
			continue; /* its reference kept until its locals are read */
		}
		void *back = py.Frame_GetBack(frame);
		unref(frame);
		frame = back;
	}
	unref(frame);
	*frames_out = kc_rb_list_end(rb);
	kc_rb_list_begin(rb);
	if (jit_frame && read_triton_args(jit_frame, rb) < 0)
		flags |= KC_CALLSITEF_ARGS_UNREAD;
	*args_out = kc_rb_list_end(rb);
	unref(jit_frame);
	return n ? flags : UINT32_MAX;
}

void kcp_python_callsite(unsigned for_type, int may_wait)
{
	if (!kcp_cfg.python)
		return;
	pthread_once(&py_once, py_resolve);
	if (!py.ok || !py.IsInitialized() || (py.IsFinalizing && py.IsFinalizing()))
		return;
	if (!py.GILState_GetThisThreadState())
		return; /* a thread Python never ran on: no frames, and no GIL to wait for */
	int held = py.GILState_Check();
	if (!held && !may_wait)
		return;
	uint64_t t0 = kcp_now_ns();
	int gil = held ? 0 : py.GILState_Ensure();
	void *et, *ev, *etb;
	py.Err_Fetch(&et, &ev, &etb);
	_Alignas(8) uint8_t mem[16384];
	struct kc_recbuf rb;
	struct kc_rec_callsite rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	unsigned flags = read_frames(&rb, &rec.frames, &rec.args);
	py.Err_Restore(et, ev, etb);
	if (!held)
		py.GILState_Release(gil);
	if (flags != UINT32_MAX) { /* some frame was read */
		rec.for_type = for_type;
		rec.flags = flags;
		rec.read_ns = kcp_now_ns() - t0;
		kcp_rec_emit(&rb, &rec, KC_REC_CALLSITE);
	}
	kc_rb_release(&rb);
}
