"""check.py CASE TRACE_DIR SCRIPT_OUTPUT: compares what a GPU test script says it did with what
`kcprof dump --json` recorded. Prints PASS/FAIL lines; exit status 1 on any FAIL."""
import collections
import json
import os
import subprocess
import sys

KCPROF = os.environ.get("KCPROF", "build/kcprof")
failed = False


def report(ok, case, what):
    global failed
    failed |= not ok
    print(("PASS" if ok else "FAIL"), case + ":", what, flush=True)


def load(trace_dir):
    out = subprocess.run([KCPROF, "dump", "--json", trace_dir], capture_output=True, text=True)
    if out.stderr.strip():
        print(out.stderr.strip(), file=sys.stderr)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def launches_by_name(events):
    names = {}
    last = {}
    for e in events:
        if e["type"] == "function":
            names[(e["pid"], e["id"])] = e["name"]
        elif e["type"] == "launch_stats":
            last[(e["pid"], e["func_id"])] = e
    total = collections.Counter()
    paths = collections.defaultdict(set)
    for key, e in last.items():
        n = names.get(key, "?")
        total[n] += e["count"]
        paths[n].update(e["paths"])
    return total, paths


def variants(events, name):
    return len({e["hash"] for e in events if e["type"] == "module_load" and name in e["names"]})


def line_of(path, text):
    """The line number of the first line of a file holding text."""
    for i, line in enumerate(open(path), 1):
        if text in line:
            return i
    return -1


def report_json(trace_dir, *options):
    """`kcprof report --json OPTIONS` of a trace, parsed."""
    out = subprocess.run([KCPROF, "report", "--json", *options, trace_dir], capture_output=True, text=True)
    return json.loads(out.stdout)


def kernel_report(trace_dir, name, *options):
    """The JSON report's entry for a kernel (every kernel listed), or {}."""
    return {k["name"]: k for k in report_json(trace_dir, "--all", *options)["kernels"]}.get(name, {})


def inductor_kernels(trace_dir, *options):
    """The JSON report's torch.compile kernels."""
    return [k for k in report_json(trace_dir, *options)["kernels"] if k.get("front_end") == "torch.compile"]


def show_report(trace_dir, lines):
    """The first lines of the text report, indented, for the log."""
    txt = subprocess.run([KCPROF, "report", trace_dir], capture_output=True, text=True).stdout
    print("\n".join("     | " + l for l in txt.splitlines()[:lines]), flush=True)


def check_bug_and_fix(case, ev, loads, total, bug, fix):
    """nvrtc_client's bug (6 requests: 6 loads of 5 images, 500 twice) and its fix (1 load)."""
    for name, want_loads, want_variants in ((bug, 6, 5), (fix, 1, 1)):
        n = sum(1 for l in loads if name in l["names"])
        v = variants(ev, name)
        report(n == want_loads and v == want_variants and total[name] == 6, case,
               f"{name}: {n} loads, {v} variants, {total[name]} launches "
               f"(made {want_loads}, {want_variants}, 6)")


def check_python(case, trace_dir, kernel, script, call, param, values):
    """Python call sites (KCPROF_PYTHON): the kernel's loads come from the script's line
    that calls it, and its tl.constexpr param is named with its values, from Triton's JIT."""
    k = kernel_report(trace_dir, kernel)
    line = line_of(script, call)
    sites = k.get("call_sites", [])
    report(bool(sites) and sites[0]["where"] == f"{script}:{line}", case,
           f"{kernel}: called from {sites[:2]} (the script's line {line})")
    ch = {c["name"]: c for c in k.get("changed", [])}.get(param, {})
    got = sorted(ch.get("values") or [], key=lambda v: (len(v or ""), v or ""))
    report(ch.get("parameter") and got == [str(v) for v in values] and ch.get("where", "").startswith(f"{script}:{line}"),
           case, f"{kernel}: {param} {ch.get('kind')} values {got}, where {ch.get('where')!r}")


def check_build_ids(case, ev):
    """Native frames carry their module's GNU build-id, as readelf -n gives it."""
    frames = [f for e in ev if e["type"] == "callsite" and e["flags"] & 4 for f in e["frames"]]
    client = [f.split("\t") for f in frames if "nvrtc_client\t" in f]
    ids = {f[2] for f in client if len(f) > 2}
    note = subprocess.run(["readelf", "-n", client[0][0]] if client else ["true"],
                          capture_output=True, text=True).stdout
    want = [l.split()[-1] for l in note.splitlines() if "Build ID" in l]
    report(len(client) > 0 and ids == set(want) and len(want) == 1, case,
           f"native frames: {len(frames)}, the client's build-ids {sorted(ids)} (readelf: {want}); "
           f"call sites for {sorted({e['for'] for e in ev if e['type'] == 'callsite'})}")


def main():
    case, trace_dir, out_path = sys.argv[1:4]
    lines = [l for l in open(out_path).read().splitlines() if l.startswith("{")]
    said = json.loads(lines[-1]) if lines else {}
    ev = load(trace_dir)
    total, paths = launches_by_name(ev)
    loads = [e for e in ev if e["type"] == "module_load"]
    compiles = [e for e in ev if e["type"] == "compile"]
    cupti = [e["event"] for e in ev if e["type"] == "cupti"]
    report(bool(ev), case, f"{len(ev)} events, {len(loads)} loads, {len(compiles)} compiles, cupti {cupti}")
    # Each load into a context (not a library's, not the driver's lazy one) says its device:
    # the record just before it from the same thread.
    last_ctx, ctx_loads, into_ctx, devices = {}, 0, 0, set()
    for e in ev:
        if e["type"] == "load_context":
            last_ctx[e["tid"]] = e
        elif e["type"] == "module_load":
            c = last_ctx.pop(e["tid"], None)
            if not e["library"] and e["api"] != "lazy" and e["result"] == 0:
                into_ctx += 1
                ctx_loads += bool(c) and c["device"] >= 0 and c["context"] != "0x0"
                devices |= {c["device"]} if c else set()
    if into_ctx:
        report(ctx_loads == into_ctx, case,
               f"{ctx_loads} of {into_ctx} loads into a context say it and its device "
               f"(devices {sorted(devices)})")
    for native, label in ((0, "Python"), (4, "native")):  # what call sites cost the loads:
        sites = [e for e in ev if e["type"] == "callsite" and e["flags"] & 4 == native]
        reads = sorted(e["read_ns"] for e in sites)  # not a check, a figure for the notes
        if reads:
            print(f"INFO {case}: {len(reads)} {label} call sites, read in {reads[len(reads) // 2] / 1e3:.1f} us "
                  f"(median; {reads[0] / 1e3:.1f}..{reads[-1] / 1e3:.1f}), "
                  f"{max(len(e['frames']) for e in sites)} frames at most", flush=True)
    if case == "triton_constexpr":
        for name, want in said["expect"].items():
            v = variants(ev, name)
            report(v == want["variants"], case, f"{name}: {v} variants (script made {want['variants']})")
            report(total[name] == want["launches"], case,
                   f"{name}: {total[name]} launches (script made {want['launches']}), paths {sorted(paths[name])}")
        ptxas = [c for c in compiles if c["tool"] == "exec" and "ptxas" in c["name"]]
        report(len(ptxas) >= said["expect"]["fill_mask"]["variants"], case,
               f"{len(ptxas)} ptxas children recorded")
        # each ptxas child hashed the cubin it wrote (-o) at its exit: Triton loads those
        # bytes from memory, so the load is found by that hash
        # (not its ptxas --version), and the analyzer took each build to that load
        hashes = {l["hash"] for l in loads}
        builds = [c for c in ptxas if "-o" in c["options"]]
        found = sum(1 for c in builds if c.get("output_hash") in hashes)
        report(found == len(builds) and found > 0, case,
               f"{found} of {len(builds)} ptxas builds' output files loaded, found by hash")
        k = kernel_report(trace_dir, "fill_mask")
        report(f"{said['expect']['fill_mask']['variants']}× ptxas" in subprocess.run(
                   [KCPROF, "report", trace_dir], capture_output=True, text=True).stdout, case,
               f"fill_mask: one ptxas build a variant in its cost ({k.get('compile_ms')} ms)")
        check_python(case, trace_dir, "fill_mask", "tests/gpu/triton_constexpr.py",
                     "fill_mask[grid](", "MAX_LEN", range(500, 500 + said["expect"]["fill_mask"]["variants"]))
    elif case == "multi_device":
        # one Triton kernel loaded once on each device: no reload, in the report or check
        want = said["expect"]["scale_add"]
        rep = report_json(trace_dir, "--all")
        k = next((k for k in rep["kernels"] if k["name"] == "scale_add"), None)
        report(bool(k) and k["variants"] == want["variants"] and k["loads"] == said["devices"]
               and k["devices"] == said["devices"] and k["process_reloads"] == 0
               and k["verdict"] == "fine" and k["launches"] == want["launches"], case,
               f"scale_add on {said['devices']} devices: " + (f"{k['variants']} variant, {k['loads']} loads "
               f"on {k['devices']} devices, {k['process_reloads']} reloads, {k['launches']} launches, "
               f"{k['verdict']}" if k else "not reported"))
        chk = subprocess.run([KCPROF, "check", trace_dir], capture_output=True, text=True)
        report(chk.returncode == 0, case, f"check: exit {chk.returncode} {chk.stdout.strip()}")
    elif case == "serve_warmup":
        # The recording's start: each event's time less its time from its file's start.
        origin = min(e["time_ns"] - round(e["t_ms"] * 1e6) for e in ev)
        for name, want in said["expect"].items():
            v = variants(ev, name)
            report(v == want["variants"], case, f"{name}: {v} variants (script made {want['variants']})")
            report(total[name] == want["launches"], case,
                   f"{name}: {total[name]} launches (script made {want['launches']})")
        # From just before serving (the warm-up's launch counts flushed by then: a flush a
        # second, the server idle 1.5 s): only the serving-time builds, and serving's launches.
        since = (said["serve_start_mono_ns"] - 200_000_000 - origin) / 1e9
        out = subprocess.run([KCPROF, "report", "--json", "--since", f"{since:.3f}", trace_dir],
                             capture_output=True, text=True)
        rep = json.loads(out.stdout)
        listed = {k["name"]: k["window"] for k in rep["kernels"]}
        bug = listed.get("softcap_logits")
        want = said["expect"]["softcap_logits"]
        report(set(listed) == {"softcap_logits"}, case,
               f"report --since {since:.3f}: lists {sorted(listed)} (want only softcap_logits)")
        report(bool(bug) and bug["new_variants"] == want["serving_builds"] and bug["compile_ms"] > 0,
               case, f"softcap_logits in the window: {bug} ({want['serving_builds']} built while serving)")
        steps = want["launches"] - len(said["padded"])
        report(bool(bug) and bug["launches"] == steps, case,
               f"softcap_logits: {bug and bug['launches']} launches in the window (serving made {steps})")
        chk = subprocess.run([KCPROF, "check", "--since", f"{since:.3f}", trace_dir],
                             capture_output=True, text=True)
        report(chk.returncode == 1 and "softcap_logits:" in chk.stdout
               and "softcap_logits_fixed" not in chk.stdout and "rms_norm" not in chk.stdout, case,
               f"check --since: exit {chk.returncode}: {chk.stdout.strip()}")
        warm = (said["warm_end_mono_ns"] - origin) / 1e9
        chk = subprocess.run([KCPROF, "check", "--until", f"{warm:.3f}", "--max-variants", "4",
                              trace_dir], capture_output=True, text=True)
        report(chk.returncode == 0, case, f"check --until {warm:.3f} (the warm-up, 4 padded sizes): "
               f"exit {chk.returncode}: {chk.stdout.strip()}")
        check_python(case, trace_dir, "softcap_logits", "tests/gpu/serve_warmup.py",
                     "softcap_logits[grid](", "N_REQ", range(1, 9))
    elif case == "triton_autotune":
        e = said["expect"]
        v = variants(ev, "scale_rows")
        report(v == e["scale_rows"]["variants"], case,
               f"scale_rows: {v} variants (script has {e['scale_rows']['variants']} configs)")
        report(total["scale_rows"] >= e["scale_rows"]["min_launches"], case,
               f"scale_rows: {total['scale_rows']} launches (the script's {e['scale_rows']['min_launches']} "
               f"and the autotuner's benchmarking)")
        v = variants(ev, "scale_rows_fixed")
        report(v == 1 and total["scale_rows_fixed"] == e["scale_rows_fixed"]["launches"], case,
               f"scale_rows_fixed: {v} variant, {total['scale_rows_fixed']} launches")
    elif case == "torch_eager":
        want = said["expect"]["add_launches"]
        hits = {n: c for n, c in total.items() if c == want}
        report(bool(hits), case, f"a kernel launched {want} times: {list(hits)[:1]}; paths "
               f"{sorted(paths[next(iter(hits))]) if hits else '-'}")
    elif case == "torch_compile":
        want = said["expect"]
        file_loads = [l for l in loads if l["api"] == "cuModuleLoad"]
        report(len(file_loads) >= want["shapes"], case,
               f"{len(file_loads)} cuModuleLoad of cubin files (>= {want['shapes']} shapes), paths "
               f"{sorted({p for l in file_loads for p in l['paths']})}")
        # Inductor also launches each new kernel while it benchmarks configs: at least 5 a shape.
        triton = {n: c for n, c in total.items() if n.startswith("triton_")}
        report(sum(triton.values()) >= want["shapes"] * want["launches_per_shape"], case,
               f"Inductor kernel launches {dict(triton)} (>= {want['shapes'] * want['launches_per_shape']})")
    elif case in ("torch_compile_static", "torch_compile_dynamic"):
        # the layer's one Inductor kernel: a build a sequence length, or one for all of them;
        # then the report on the trace, read from what `kcprof archive` copied into it (run.sh
        # moves the caches away first)
        want = said["expect"]
        inductor = [n for n in total if n.startswith("triton_")]
        v = {n: variants(ev, n) for n in inductor}
        report(len(inductor) == 1 and v[inductor[0]] == want["builds"], case,
               f"Inductor kernels {v} (script expects {want['builds']} build(s))")
        n = inductor[0] if inductor else "-"
        report(total[n] == want["lengths"] * want["calls_per_length"], case,
               f"{n}: {total[n]} launches ({want['lengths']} lengths x {want['calls_per_length']})")
        rep = subprocess.run([KCPROF, "report", trace_dir], capture_output=True, text=True).stdout
        if case == "torch_compile_static":
            ok = ("[torch.compile]  specialization churn" in rep and "xnumel (constant)" in rep
                  and "mark_dynamic" in rep and "/sources/" in rep)
            report(ok, case, "report: torch.compile churn, the baked-in size xnumel named (from the trace's "
                   "archived sources/), mark_dynamic advised")
            # its loads come from the script's call of the compiled function, 53 frames out
            # past Dynamo's, Inductor's and the generated module's
            line = line_of("tests/gpu/torch_compile_seqlen.py", "y = f(x, w)")
            want_site = f"called from tests/gpu/torch_compile_seqlen.py:{line} in <module>"
            report(want_site in rep, case, f"report: {want_site!r}")
        else:
            ok = "0 with recompilation churn" in rep
            report(ok, case, "report: no churn")
        if not ok:
            print("\n".join("     | " + l for l in rep.splitlines()[:24]), flush=True)
        print("     step ms", said.get("step_ms"), flush=True)
    elif case in ("nvrtc", "ptx_jit"):
        # nvrtc_client: the bug (a value built into each request's kernel), then its fix (the
        # value an argument) in a second process; both print each request's time
        bug, fix = ("fill_mask", "fill_mask_fixed") if case == "nvrtc" else ("fill_mask_ptx", "fill_mask_ptx_fixed")
        if case == "nvrtc":
            nv = [c for c in compiles if c["tool"] == "nvrtc"]
            per_req = [c for c in nv if c["options"][0].startswith("-DMAX_LEN=")]
            outs = {c["output_hash"] for c in per_req}
            report(len(per_req) == 6 and len(outs) == 5 and len(nv) == 7, case,
                   f"{len(nv)} NVRTC compiles, {len(per_req)} with -DMAX_LEN ({len(outs)} distinct outputs); "
                   f"options {[c['options'][0] for c in nv]}")
        else:
            kinds = sorted({l["kind"] for l in loads})
            report(not compiles and kinds == ["ptx"], case, f"{len(compiles)} compiles, loads of {kinds}")
        check_bug_and_fix(case, ev, loads, total, bug, fix)
        rep = subprocess.run([KCPROF, "report", trace_dir], capture_output=True, text=True).stdout
        front = "[NVRTC]" if case == "nvrtc" else "[PTX JIT]"
        changed = "MAX_LEN (-D option): 5 values, 500..504" if case == "nvrtc" else "(ptx): 5 values, 500..504"
        ok = (f" 1. {bug}  {front}  specialization churn" in rep and changed in rep
              and "1 with recompilation churn" in rep and "(the driver's PTX JIT)" in rep)
        report(ok, case, f"report: {bug} churn, {changed}; {fix} fine; loads include the JIT")
        if not ok:
            print("\n".join("     | " + l for l in rep.splitlines()[:24]), flush=True)
        # native call sites: the C program's line that loads the module, from its -g build
        line = line_of("tests/progs/nvrtc_client.c", "cuModuleLoadDataEx(")
        site = f"called from tests/progs/nvrtc_client.c:{line} in "
        report(site in rep, case, f"report: {site!r} (native frames, named with libdw)")
        if case == "nvrtc":  # and the line that compiled it, where the -D value changed
            line = line_of("tests/progs/nvrtc_client.c", "nvrtcCompileProgram(prog")
            site = f"compiled from tests/progs/nvrtc_client.c:{line} in nvrtc_ptx"
            at = f"at tests/progs/nvrtc_client.c:{line} in nvrtc_ptx"
            report(site in rep and at in rep, case,
                   f"report: {site!r}, the -D {at!r} (compile call sites, inlined levels named)")
        check_build_ids(case, ev)
        ms = [float(l.split(": ")[1].split()[0]) for l in open(out_path) if l.startswith("request ")]
        print(f"     request ms: bug {ms[:6]}, fix {ms[6:]}", flush=True)
    elif case == "nvcc":
        # nvrtc_client nvcc: the toolkit's nvcc for each request (-DMAX_LEN), each fatbin
        # loaded with cuModuleLoad; then the fix (max_len an argument, one nvcc run)
        children = [c for c in compiles if c["tool"] == "exec"]
        report(len(children) == 7, case, f"{len(children)} compiler children (nvcc 6 + 1)")
        hashes = {l["hash"] for l in loads}
        found = sum(1 for c in children if c.get("output_hash") in hashes)
        report(found == 7, case, f"{found} of 7 nvcc runs' fatbins (-o) loaded, found by hash")
        check_bug_and_fix(case, ev, loads, total, "fill_mask", "fill_mask_fixed")
        rep = subprocess.run([KCPROF, "report", trace_dir], capture_output=True, text=True).stdout
        want = [" 1. fill_mask  [compiler]  specialization churn", "6× nvcc ",
                "MAX_LEN (-D option): 5 values, 500..504", "(ptx): 5 values, 500..504",
                "fix: -DMAX_LEN changes per build", "1 with recompilation churn"]
        missing = [w for w in want if w not in rep]
        report(not missing, case, f"report: nvcc's builds, the -D and the PTX value named; missing {missing}")
        if missing:
            print("\n".join("     | " + l for l in rep.splitlines()[:24]), flush=True)
        line = line_of("tests/progs/nvrtc_client.c", "cuModuleLoad(&m, path)")
        site = f"called from tests/progs/nvrtc_client.c:{line} in "
        report(site in rep, case, f"report: {site!r}")
        ms = [float(l.split(": ")[1].split()[0]) for l in open(out_path) if l.startswith("request ")]
        print(f"     request ms: bug {ms[:6]}, fix {ms[6:]}", flush=True)
    elif case in ("nvcc_so", "torch_extension"):
        # nvcc builds a shared library for each request (-DMAX_LEN), as a JIT extension is
        # built (nvrtc_client nvcc-so: the program runs nvcc; torch_extension.py: torch's
        # cpp_extension runs ninja, which runs nvcc and the linker); the program loads it and
        # launches through the runtime, which loads the kernel itself (a library load and
        # its lazy module: one load of the kernel); then the fix, one library
        if case == "nvcc_so":
            steps, want = 6, {"fill_mask": (6, 5, 6), "fill_mask_fixed": (1, 1, 6)}
        else:
            steps = len(said["values"])
            want = {k: (v["variants"], v["variants"], v["launches"]) for k, v in said["expect"].items()}
        nvccs = [c for c in compiles if c["tool"] == "exec" and c["name"].endswith("/nvcc")]
        report(len(nvccs) == steps + 1, case, f"{len(nvccs)} nvcc runs ({steps} + 1)")
        for name, (nloads, nvar, nlaunch) in want.items():
            k = kernel_report(trace_dir, name)
            verdict = "specialization churn" if nvar > 1 else "fine"
            report(k.get("loads") == nloads and k.get("variants") == nvar and k.get("launches") == nlaunch
                   and k.get("verdict") == verdict and k.get("front_end") == "compiler", case,
                   f"{name}: [{k.get('front_end')}] {k.get('variants')} variants in {k.get('loads')} loads, "
                   f"{k.get('launches')} launches, {k.get('verdict')!r} (made {nvar}, {nloads}, {nlaunch})")
        rep = subprocess.run([KCPROF, "report", trace_dir], capture_output=True, text=True).stdout
        vals = sorted(set(said["values"] if case == "torch_extension" else range(500, 505)))
        want_text = [" 1. fill_mask  [compiler]  specialization churn", f"{steps}× nvcc ",
                     f"MAX_LEN (-D option): {len(vals)} values, {vals[0]}..{vals[-1]}",
                     "fix: -DMAX_LEN changes per build", "1 with recompilation churn"]
        missing = [w for w in want_text if w not in rep]
        report(not missing, case, f"report: nvcc's builds of the library, the -D named; missing {missing}")
        print("\n".join("     | " + l for l in rep.splitlines()[:24]), flush=True)
        ms = [float(l.split(": ")[1].split()[0]) for l in open(out_path) if l.startswith("request ")]
        if ms:
            print(f"     request ms: bug {ms[:6]}, fix {ms[6:]}", flush=True)
    elif case == "torch_compile_auto":
        # torch.compile's default: the first length baked in, then one kernel taking it as an
        # argument (automatic dynamic shapes): two builds, once, read as such
        ks = inductor_kernels(trace_dir)
        k = ks[0] if ks else {}
        report(len(ks) == 1 and k.get("variants") == 2 and not k.get("churn")
               and "automatic dynamic shapes" in (k.get("fix") or "")
               and k.get("launches") == len(said["lengths"]) * said["calls"], case,
               f"{k.get('name')}: {k.get('variants')} variants, {k.get('launches')} launches, "
               f"fix {(k.get('fix') or '')[:70]!r}")
    elif case in ("torch_compile_number_static", "torch_compile_number_tensor"):
        # a Python float fed to torch.compile(dynamic=False): Inductor bakes it (1/t: the kernel
        # multiplies) into a kernel built for each value; passed as a tensor, no kernel changes
        # with it. The report names the number and advises a tensor, not mark_dynamic.
        ks = inductor_kernels(trace_dir, "--all")
        want = sorted(round(1 / t, 4) for t in said["temperatures"])
        def numbers(k):  # the values of a number Inductor baked in (tmpN), as floats
            return [sorted(round(float(v), 4) for v in c["values"] if v) for c in k.get("changed", [])
                    if c["kind"] == "constant" and c["name"].startswith("tmp")]
        baked = [k for k in ks if want in numbers(k)]
        if case == "torch_compile_number_static":
            fixes = [k.get("fix") or "" for k in baked]
            report(len(baked) >= 1 and all("baked a number" in f and "pass it as a tensor" in f
                                           and "mark_dynamic" not in f for f in fixes), case,
                   f"{[(k['name'], k['variants']) for k in baked]} baked 1/t {want}; fix {fixes[:1]}")
            report(any(k.get("churn") for k in baked), case,
                   f"churn: {[(k['name'], k.get('verdict')) for k in baked]}")
        else:
            report(not any(numbers(k) for k in ks) and all("baked" not in (k.get("fix") or "") for k in ks),
                   case, f"no number changes between builds of {len(ks)} Inductor kernels")
    elif case.startswith("torch_compile_stride_"):
        # views of a buffer whose width changes: dynamic=False bakes the row stride (a kernel a
        # width), read as a stride, not a size; contiguous inputs: no stride changes
        ks = inductor_kernels(trace_dir, "--all")
        strided = sorted({w for w in said["widths"] if w != said["features"]})
        def strides(k):  # numbers baked in, and arguments (ks0) taken
            return [sorted({int(v) for v in c["values"] if v and v.isdigit()}) for c in k.get("changed", [])
                    if " stride (" in c["name"]]
        def symbolic(k):
            return [v for c in k.get("changed", []) if " stride (" in c["name"]
                    for v in c["values"] if v and v.startswith("ks")]
        baked = [k for k in ks if strided in strides(k)]
        if case == "torch_compile_stride_static":
            fixes = [k.get("fix") or "" for k in baked]
            report(len(baked) == 1 and baked[0].get("churn") and "baked a stride" in fixes[0]
                   and "contiguous" in fixes[0], case,
                   f"{[(k['name'], k['variants'], k.get('verdict')) for k in baked]} strides {strided}; "
                   f"fix {fixes[:1]}")
        elif case == "torch_compile_stride_auto":  # the stride an argument from its second value
            report(not any(any(strides(k)) for k in ks) and any(symbolic(k) for k in ks)
                   and not any(k.get("churn") for k in ks)
                   and any("taking the stride as an argument" in (k.get("fix") or "") for k in ks), case,
                   f"{[(k['name'], k['variants'], k.get('verdict'), symbolic(k)[:1]) for k in ks]}")
        else:
            report(not any(any(strides(k)) or symbolic(k) for k in ks) and not any(k.get("churn") for k in ks),
                   case, f"{[(k['name'], k['variants'], k.get('verdict'), strides(k)) for k in ks]}")
        show_report(trace_dir, 22)
    elif case.startswith("triton_int64_"):
        # an int past 2**31: Triton types it i64, a second build, named; the block index: one
        name = "copy_block" if case == "triton_int64_offset" else "copy_block_indexed"
        k = kernel_report(trace_dir, name)
        types = [c["values"] for c in k.get("changed", []) if c["kind"] == "type"]
        fix = k.get("fix") or ""
        if case == "triton_int64_offset":
            ok = (k.get("variants") == 2 and any(set(v) == {"i32", "i64"} for v in types)
                  and "Triton types the int argument base" in fix)
        else:
            ok = k.get("variants") == 1 and k.get("verdict") == "fine"
        report(ok and k.get("launches") == said["steps"], case,
               f"{name}: {k.get('variants')} variants, {k.get('launches')} launches, types {types}, "
               f"fix {fix[:80]!r}")
    elif case.startswith("torch_compile_batch1_"):
        # mark_dynamic: a batch of one a graph and kernel of its own, read as the 0/1
        # specialization; mark_unbacked: one graph, no size-1 build
        ks = inductor_kernels(trace_dir, "--all")
        ones = [k for k in ks if any(c["kind"] == "equals_one" and "yes" in c["values"] for c in k.get("changed", []))]
        if case == "torch_compile_batch1_dynamic":
            report(len(ones) >= 1 and all("0/1 specialization" in (k.get("fix") or "") and not k.get("churn")
                                          for k in ones), case,
                   f"{[(k['name'], k['variants'], k.get('verdict'), (k.get('fix') or '')[:60]) for k in ones]}")
        else:
            report(ks and not ones and not any(k.get("churn") for k in ks), case,
                   f"{[(k['name'], k['variants'], k.get('verdict')) for k in ks]} ({said.get('mark_unbacked')})")
        show_report(trace_dir, 22)
    elif case.startswith("torch_compile_user_triton_"):
        # Inductor's user_autotune wrapper without configs is no autotuner: BLOCK per length
        # is churn, named; one BLOCK: one build
        k = kernel_report(trace_dir, "row_sum")
        fix = k.get("fix") or ""
        blocks = [c["values"] for c in k.get("changed", []) if c["name"] == "BLOCK"]
        if case == "torch_compile_user_triton_pow2":
            report(k.get("verdict") == "specialization churn" and "autotune" not in fix and "BLOCK" in fix
                   and blocks, case, f"row_sum: {k.get('variants')} variants, {k.get('verdict')!r}, "
                   f"BLOCK {blocks[:1]}, fix {fix[:80]!r}")
        else:
            report(k.get("variants") == 1 and k.get("verdict") == "fine", case,
                   f"row_sum: {k.get('variants')} variants, {k.get('verdict')!r}")
    elif case in ("torch_compile_list_list", "torch_compile_list_stacked", "torch_compile_loop"):
        # kernels of one name whose code differs: the inputs' number (a list's length), the
        # body's length (a loop count); stacked: no such change, no churn
        ks = inductor_kernels(trace_dir, "--all")
        def code(k, name):
            return sorted({int(v) for c in k.get("changed", []) if c["kind"] == "code" and c["name"].startswith(name)
                           for v in c["values"] if v})
        if case == "torch_compile_list_list":
            hit = [k for k in ks if code(k, "inputs") == sorted(set(said["counts"]))]
            report(len(hit) == 1 and hit[0].get("churn") and "number of inputs" in (hit[0].get("fix") or ""), case,
                   f"{[(k['name'], k['variants'], k.get('verdict'), code(k, 'inputs')) for k in hit]}")
        elif case == "torch_compile_loop":
            hit = [k for k in ks if len(code(k, "lines")) == len(set(said["steps"]))]
            report(len(hit) == 1 and hit[0].get("churn") and "code differs" in (hit[0].get("fix") or ""), case,
                   f"{[(k['name'], k['variants'], k.get('verdict'), code(k, 'lines')) for k in hit]}")
        else:
            report(ks and not any(code(k, "inputs") or k.get("churn") for k in ks), case,
                   f"{[(k['name'], k['variants'], k.get('verdict')) for k in ks]}")
        show_report(trace_dir, 20)
    elif case.startswith("triton_heuristics_"):
        # BLOCK set by @triton.heuristics: churn, the decorator named; two buckets: not churn
        k = kernel_report(trace_dir, "scale")
        fix = k.get("fix") or ""
        if case == "triton_heuristics_pow2":
            ok = k.get("churn") and "@triton.heuristics at" in fix and fix.startswith("BLOCK")
        else:
            ok = not k.get("churn") and 1 <= k.get("variants", 0) <= 4
        report(ok, case, f"scale: {k.get('variants')} variants, {k.get('verdict')!r}, fix {fix[:90]!r}")
    elif case == "triton_dtype":
        # the dtype constexpr recorded by name from Triton's object, read as a few variants
        k = kernel_report(trace_dir, "cast_scale")
        vals = [sorted(set(v for v in c["values"] if v)) for c in k.get("changed", []) if c["name"] == "OUT_DTYPE"]
        report(vals == [sorted(said["dtypes"])] and k.get("verdict") == "a few variants"
               and "is a dtype" in (k.get("fix") or ""), case,
               f"cast_scale: OUT_DTYPE {vals}, {k.get('verdict')!r}, fix {(k.get('fix') or '')[:60]!r}")
    elif case.startswith("cuda_core_"):
        # cuda.core's NVRTC, found by dlsym: --define-macro=LIMIT=<v> read as the -D it is
        n = len(said["limits"])
        if case == "cuda_core_define":
            k = kernel_report(trace_dir, "fill")
            defines = [c for c in k.get("changed", []) if c["kind"] == "define" and c["name"] == "LIMIT"]
            ok = (k.get("variants") == n and k.get("churn") and defines
                  and (k.get("fix") or "").startswith("-DLIMIT changes per compile"))
        else:
            k = kernel_report(trace_dir, "fill_arg")
            ok = k.get("variants") == 1 and k.get("verdict") == "fine" and k.get("launches") == n
        report(ok, case, f"{k.get('name')}: {k.get('variants')} variants, {k.get('verdict')!r}, "
               f"changed {[c['name'] for c in k.get('changed', [])]}, fix {(k.get('fix') or '')[:70]!r}")
    elif case in ("triton_def_inside", "triton_def_module"):
        # a @triton.jit def inside the launching function: the same build loaded at each call,
        # the def named; at module level: one load
        name = "scale_inner" if case == "triton_def_inside" else "scale_module"
        k = kernel_report(trace_dir, name)
        fix = k.get("fix") or ""
        if case == "triton_def_inside":
            ok = k.get("verdict") == "reload churn" and "is defined inside step" in fix
        else:
            ok = k.get("verdict") == "fine" and k.get("variants") == 1
        report(ok and k.get("launches") == said["steps"], case,
               f"{name}: {k.get('variants')} variants, {k.get('verdict')!r}, fix {fix[:70]!r}")
    elif case.startswith("numba_"):
        # numba: libNVVM's compiles and the plain-named nvJitLink links seen; one kernel
        # whatever its dispatcher's uid or its argument types; a kernel made per call is churn,
        # the value it closes over in its IR named; a build a type signature is a few variants
        rep = report_json(trace_dir, "--all")
        ks = [k for k in rep["kernels"] if k.get("front_end") == "numba"]
        unloaded = rep.get("unloaded_compiles", [])
        k = ks[0] if len(ks) == 1 else {}
        fix = k.get("fix") or ""
        kinds = sorted({c["kind"] for c in k.get("changed", [])})
        if case == "numba_closure":
            ok = (k.get("variants") == said["steps"] and k.get("churn") and kinds == ["source"]
                  and "new @cuda.jit dispatcher" in fix and "<locals>" in k.get("name", ""))
        elif case == "numba_arg":
            ok = k.get("variants") == 1 and k.get("verdict") == "fine" and k.get("launches") == said["steps"]
        elif case == "numba_types":
            ok = (k.get("variants") == 3 and k.get("verdict") == "a few variants" and kinds == ["type"]
                  and "type signature" in fix)
        else:  # signatures: built at the decorator, before any call, each once
            ok = k.get("variants") == 3 and k.get("verdict") == "fine"
        report(ok and not unloaded, case,
               f"{len(ks)} numba kernels; {k.get('name')!r}: {k.get('variants')} variants, "
               f"{k.get('verdict')!r}, changed {kinds}, fix {fix[:80]!r}; unloaded {unloaded}")
        show_report(trace_dir, 22)
    elif case.startswith("jax_jit_"):
        # jax.jit: XLA's kernels named by their function (jit_body/...), the input length
        # found in the PTX ptxas was given, a compile per length churn; padded, one build;
        # three functions with kernels of one name, three kernels each built once
        rep = report_json(trace_dir, "--all")
        ks = [k for k in rep["kernels"] if k.get("front_end") == "JAX" and k.get("launches")]
        built = [k for k in ks if "/" in k["name"]]
        n = len(said["lengths"])
        if case == "jax_jit_shapes":
            body = [k for k in built if k["name"].startswith("jit_body/")]
            k = max(body, key=lambda k: k.get("variants", 0)) if body else {}
            ptx = [c for c in k.get("changed", []) if c["kind"] == "ptx"]
            ok = (k.get("name", "").startswith("jit_body/") and k.get("variants") == n
                  and k.get("churn") and ptx and "jax.jit compiled body" in (k.get("fix") or ""))
            detail = f"{k.get('name')}: {k.get('variants')} variants, {k.get('verdict')!r}, ptx {[c['summary'] for c in ptx]}"
        elif case in ("jax_jit_padded", "jax_jit_host"):
            # padded on the device: body once, the padding's own computations per length;
            # on the host: nothing churns
            body = [k for k in built if k["name"].startswith("jit_body/")]
            churn = [k["name"] for k in built if k.get("churn")]
            ok = (body and all(k.get("variants") == 1 and not k.get("churn") for k in body)
                  and bool(churn) == (case == "jax_jit_padded"))
            detail = f"{[(k['name'], k.get('variants'), k.get('verdict')) for k in body]}, churn {churn}"
        elif case == "jax_jit_static":
            k = max(built, key=lambda k: k.get("variants", 0)) if built else {}
            ok = (k.get("name", "").startswith("jit_scaled/") and k.get("variants") == 6
                  and k.get("churn") and "static_argnums" in (k.get("fix") or ""))
            detail = f"{k.get('name')}: {k.get('variants')} variants, {k.get('verdict')!r}"
        elif case == "jax_jit_matmul":
            # the autotuner's candidates, loaded on XLA's threads: a sweep of the function's
            # kernel, nothing churns
            tuned = [k for k in built if k.get("verdict") == "autotune sweep"]
            churn = [k["name"] for k in ks if k.get("churn")]
            ok = (any("gemm" in k["name"] and k["name"].startswith("jit_") for k in tuned)
                  and not churn)
            detail = f"sweeps {[(k['name'], k.get('variants')) for k in tuned]}, churn {churn}"
        else:
            fusions = sorted(k["name"] for k in built if k["name"].endswith("/loop_add_fusion"))
            ok = (len(fusions) >= 2 and len({f.split('/')[0] for f in fusions}) == len(fusions)
                  and not any(k.get("churn") for k in built))
            detail = f"{[(k['name'], k.get('variants'), k.get('verdict')) for k in built]}"
        report(ok, case, detail)
        show_report(trace_dir, 24)
    elif case.startswith("cupy_"):
        # CuPy's NVRTC: a -D per request (each with CuPy's empty-program probe, counted as its
        # build), the fix, a kernel per dtype (a few variants, its types named)
        rep = report_json(trace_dir, "--all")
        k = {x["name"]: x for x in rep["kernels"]}
        unloaded = rep.get("unloaded_compiles", [])
        n = len(said["lengths"])
        if case in ("cupy_define", "cupy_define_warm"):
            # warm: CuPy's disk cache holds the kernels, its probes are the builds
            f = k.get("fill_mask", {})
            ok = (f.get("variants") == n and f.get("churn") and not unloaded
                  and f.get("front_end") == "NVRTC"
                  and ("own cache" in (f.get("fix") or "")) == (case == "cupy_define_warm")
                  and any(c["name"] == "MAX_LEN" and c["kind"] == "define" for c in f.get("changed", [])))
            report(ok, case, f"fill_mask: {f.get('variants')} variants, {f.get('verdict')!r}, "
                   f"{f.get('compile_ms')} ms of compiles; unloaded {unloaded}")
        elif case == "cupy_arg":
            f = k.get("fill_mask_arg", {})
            report(f.get("variants") == 1 and f.get("verdict") == "fine" and f.get("launches") == n, case,
                   f"fill_mask_arg: {f.get('variants')} variants, {f.get('launches')} launches")
        elif case == "cupy_template":
            # fill_mask_t<100>, <137>, ...: one kernel, its instances variants, churn
            f = k.get("fill_mask_t<…>", {})
            args = [c["summary"] for c in f.get("changed", []) if c["name"] == "template argument 1"]
            report(f.get("variants") == n and f.get("churn") and args
                   and sum(1 for x in k if x.startswith("fill_mask_t")) == 1
                   and "instantiates fill_mask_t<…>" in (f.get("fix") or ""), case,
                   f"{sorted(k)}: {f.get('variants')} variants, {f.get('verdict')!r}, {args}")
        elif case == "cupy_dtypes":
            f = k.get("axpy_ew", {})
            src = [c["summary"] for c in f.get("changed", []) if c["kind"] == "source"]
            report(f.get("variants") == 3 and not f.get("churn") and "float, float16, double" in src, case,
                   f"axpy_ew: {f.get('variants')} variants, {f.get('verdict')!r}, source {src}")
        show_report(trace_dir, 26)
    elif case in ("flex_global", "flex_captured", "flex_tensor"):
        # FlexAttention, the mask_mod's window width read from outside: a module-level int is
        # baked in (a build a width), an int in its closure becomes an argument at its second
        # value (two builds), a tensor is an input (one build)
        k = kernel_report(trace_dir, "triton_tem_fused_flex_attention_0")
        fix = k.get("fix") or ""
        widths = [str(w) for w in said["widths"]]
        nums = {c["name"]: [v for v in c["values"] if v] for c in k.get("changed", [])
                if c["kind"] == "constant" and c["name"].startswith("tmp")}
        if case == "flex_global":
            ok = (k.get("variants") == len(widths) and widths in nums.values()
                  and "FlexAttention" in fix and "capture it as a tensor" in fix)
        elif case == "flex_captured":
            ok = (k.get("variants") == 2 and [widths[0]] in nums.values()
                  and "automatic dynamic" in fix and not k.get("churn"))
        else:
            ok = k.get("variants") == 1 and k.get("verdict") == "fine"
        report(ok, case, f"flex kernel: {k.get('variants')} variants, numbers {nums}, "
               f"{k.get('verdict')!r}, fix {fix[:90]!r}")
    elif case == "triton_autotune_key":
        # autotune keyed on a count that changes every step: its configs benchmarked again at
        # each new value, read as such; keyed on the count's bucket: tuned once
        bug, fix = kernel_report(trace_dir, "scale_tokens"), kernel_report(trace_dir, "scale_tokens_bucketed")
        programs = said["steps"] * said["calls"]
        report(bug.get("variants") == said["configs"] and "again and again" in (bug.get("fix") or "")
               and 'key=["n"]' in (bug.get("fix") or "") and bug.get("launches", 0) > 10 * programs, case,
               f"scale_tokens: {bug.get('variants')} configs, {bug.get('launches')} launches for the program's "
               f"{programs}, fix {(bug.get('fix') or '')[:100]!r}")
        report(fix.get("variants") == said["configs"] and "again and again" not in (fix.get("fix") or ""),
               case, f"scale_tokens_bucketed: {fix.get('variants')} configs, {fix.get('launches')} launches, "
               f"windows {[v.get('launch_windows') for v in fix.get('variant_list', [])]}, "
               f"fix {(fix.get('fix') or '')[:60]!r}")
        # kcprof check fails on the retuning kernel alone
        chk = subprocess.run([KCPROF, "check", trace_dir], capture_output=True, text=True)
        lines = chk.stdout.splitlines()
        report(chk.returncode == 1 and any(l.startswith("kcprof check: scale_tokens: its autotuner") for l in lines)
               and not any("scale_tokens_bucketed" in l for l in lines), case, f"check: exit {chk.returncode}: {lines[:2]}")
    elif case == "cudnn_sdpa":
        # cuDNN's attention compiles its kernel with NVRTC for each new sequence length: the
        # compiles counted and read as cuDNN's; its options, bytes, shown as such by diff
        out = subprocess.run([KCPROF, "report", "--json", trace_dir], capture_output=True, text=True)
        ks = [k for k in json.loads(out.stdout)["kernels"] if k["name"].startswith("cudnn_generated_")]
        k = ks[0] if ks else {}
        n = len(said["lengths"])
        report(len(ks) == 1 and k.get("front_end") == "NVRTC" and "cuDNN compiled this kernel" in (k.get("fix") or "")
               and f"{n} times into" in (k.get("fix") or "") and k.get("launches") == n * said["calls"], case,
               f"{k.get('name', '-')[:40]}: [{k.get('front_end')}] {k.get('variants')} images, "
               f"{k.get('launches')} launches, fix {(k.get('fix') or '')[:90]!r}")
        if ks and k.get("variants", 0) >= 2:
            d = subprocess.run([KCPROF, "diff", trace_dir, k["name"], "1", "2"], capture_output=True, text=True).stdout
            line = next((l for l in d.splitlines() if l.startswith("    nvrtc ")), "")
            report(line.isprintable() and ("not text" in line or "-" in line), case, f"diff: {line[:100]!r}")
    elif case == "jiterator":
        # a kernel PyTorch writes per dtype and compiles with NVRTC: three texts, three
        # compiles (float32 again finds its build), the line of the text that differs named
        out = subprocess.run([KCPROF, "report", "--json", trace_dir], capture_output=True, text=True)
        ks = [k for k in json.loads(out.stdout)["kernels"] if "scaled_diff" in k["name"]]
        k = ks[0] if ks else {}
        src = [c for c in k.get("changed", []) if c["kind"] == "source"]
        report(len(ks) == 1 and k.get("front_end") == "NVRTC" and k.get("variants") == 3 and bool(src)
               and "for each type" in (k.get("fix") or "") and not k.get("churn"), case,
               f"{k.get('name', '-')}: [{k.get('front_end')}] {k.get('variants')} variants, "
               f"source changes {[(c['name'], c['summary']) for c in src][:2]}, fix {(k.get('fix') or '')[:60]!r}")
    elif case in ("triton_workers", "triton_workers_warm"):
        # workers started together with an empty cache each build the kernel: one image built
        # in each process, said so; built once before them: the workers only load it
        k = kernel_report(trace_dir, "scale_rows")
        n = said["workers"]
        if case == "triton_workers":
            ok = (k.get("verdict") == "built per process" and k.get("variants") == 1
                  and k.get("processes") == n and "processes that loaded it" in (k.get("fix") or ""))
        else:
            ok = k.get("verdict") == "fine" and k.get("variants") == 1 and k.get("processes") == n + 1
        report(ok and said["exit"] == [0] * n, case,
               f"scale_rows: {k.get('variants')} image in {k.get('processes')} processes, "
               f"{k.get('compile_ms')} ms of builds, {k.get('verdict')!r}, fix {(k.get('fix') or '')[:70]!r}")
    elif case == "torch_compile_limit":
        # dynamic=False past Dynamo's recompile limit: a kernel for each of the first `limit`
        # lengths, none after; the report says the limit was reached
        out = subprocess.run([KCPROF, "report", "--json", trace_dir], capture_output=True, text=True)
        ks = [k for k in json.loads(out.stdout)["kernels"] if k.get("front_end") == "torch.compile"]
        k = ks[0] if ks else {}
        lim = said["limit"]
        report(len(ks) == 1 and k.get("variants") == lim and "recompile limit" in (k.get("fix") or "")
               and k.get("launches") == lim * said["calls"], case,
               f"{k.get('name')}: {k.get('variants')} variants (limit {lim}), {k.get('launches')} launches, "
               f"fix ...{(k.get('fix') or '')[-120:]!r}")
    elif case == "torch_max_autotune":
        # torch.compile(mode="max-autotune-no-cudagraphs"): Inductor builds and benchmarks its
        # matmul template's configs at the first call; a start-up cost, read as such
        k = kernel_report(trace_dir, "triton_mm")
        report(k.get("variants", 0) >= 2 and k.get("verdict") != "specialization churn"
               and "max-autotune" in (k.get("fix") or ""), case,
               f"triton_mm: {k.get('variants')} configs, {k.get('verdict')!r}, fix {(k.get('fix') or '')[:60]!r}")
        sites = k.get("call_sites", [])
        report(bool(sites) and "torch/_inductor/select_algorithm.py:" in sites[0]["where"], case,
               f"triton_mm loaded from {sites[:1]} (Inductor's task on its pool)")
        chk = subprocess.run([KCPROF, "check", trace_dir], capture_output=True, text=True)
        report(chk.returncode == 0, case, f"kcprof check: exit {chk.returncode} {chk.stdout.strip()[:120]}")
    elif case in ("cudart_static", "cudart_shared"):
        # the runtime loads the kernel (cuLibraryLoadData from libcudart, or from the runtime
        # linked into the program): [CUDA runtime], one image, every launch counted
        k = kernel_report(trace_dir, "cudart_scale")
        report(k.get("front_end") == "CUDA runtime" and k.get("variants") == 1
               and k.get("launches") == said.get("launches") and k.get("verdict") == "fine", case,
               f"cudart_scale: [{k.get('front_end')}] {k.get('variants')} variant, "
               f"{k.get('launches')} launches (made {said.get('launches')}), {k.get('verdict')!r}")
        for l in loads:  # what the runtime called, and from where: figures for the notes
            sites = [e for e in ev if e["type"] == "callsite" and e["pid"] == l["pid"]]
            first = sites[0]["frames"][0].split("\t")[0].rsplit("/", 1)[-1] if sites else None
            print(f"INFO {case}: load api={l['api']} kind={l['kind']} names={l['names'][:3]} "
                  f"paths={l['paths']}, first call site frame in {first}", flush=True)
        print(f"     call sites {k.get('call_sites')}", flush=True)
    elif case == "nvjitlink":
        nv = [c for c in compiles if c["tool"] == "nvjitlink"]
        outs = [c["output_hash"] for c in nv]
        loaded = [l["hash"] for l in loads]
        report(len(nv) == 4 and outs == loaded, case,
               f"{len(nv)} nvJitLink links; the driver loaded the linked cubins: {outs == loaded} "
               f"(kinds {sorted({l['kind'] for l in loads})})")
        report(total["fill_mask"] == 4, case, f"fill_mask launched {total['fill_mask']} times (4 made)")
        # NVRTC's PTX linked by nvJitLink into the cubin loaded: NVRTC's time and -D values are
        # the kernel's; each build's line named
        rep = subprocess.run([KCPROF, "report", trace_dir], capture_output=True, text=True).stdout
        link = line_of("tests/progs/nvrtc_client.c", "nvJitLinkComplete(h)")
        comp = line_of("tests/progs/nvrtc_client.c", "nvrtcCompileProgram(prog")
        want = [f"compiled from tests/progs/nvrtc_client.c:{link} in link_cubin (4 compiles), "
                f"tests/progs/nvrtc_client.c:{comp} in nvrtc_ptx (4 compiles)",
                "building (4 NVRTC compiles ", "4 nvJitLink compiles",
                "MAX_LEN (-D option): 3 values, 500..502"]
        missing = [w for w in want if w not in rep]
        report(not missing, case, f"report: NVRTC compiles counted through the link, its -D named, "
               f"both lines named; missing {missing}")
        if missing:
            print("\n".join("     | " + l for l in rep.splitlines()[:24]), flush=True)
        check_build_ids(case, ev)
    elif case == "gpu_time":
        g = {}
        for e in ev:
            if e["type"] == "gpu_time":
                g[e["name"]] = e
        fm = g.get("fill_mask")
        report(fm is not None and fm["count"] == said["expect"]["fill_mask"]["launches"], case,
               f"fill_mask timed {fm and fm['count']} times (script launched {said['expect']['fill_mask']['launches']}), "
               f"mean {fm and fm['total_ns'] / max(fm['count'], 1) / 1e3:.1f} us")
        report("gpu_time_on" in cupti, case, f"CUPTI events {cupti}")
    elif case == "cuda_graph":
        # a Triton kernel captured once per batch size (8 variants, each launched by the host
        # twice: warm-up and capture), then the graphs replayed; torch.compile's graph trees
        want = said["expect"]
        kinds = collections.Counter(e["kind"] for e in ev if e["type"] == "graph")
        glast = {}
        for e in ev:
            if e["type"] == "graph_launch_stats":
                glast[(e["pid"], e["graph_id"])] = e["count"]
        report(kinds["capture"] >= want["graphs"] and kinds["instantiate"] >= want["graphs"]
               and sum(glast.values()) >= want["replays"], case,
               f"graph records {dict(kinds)}, {sum(glast.values())} graph launches "
               f"(script: {want['graphs']} graphs, {want['replays']} replays)")
        rep = report_json(trace_dir, "--all")
        k = {x["name"]: x for x in rep["kernels"]}
        sr = k.get("scale_rows", {})
        w = want["scale_rows"]
        report(sr.get("variants") == w["variants"] and sr.get("launches") == w["runs"]
               and sr.get("graph_runs") == w["graph_runs"] and not sr.get("churn"), case,
               f"scale_rows: {sr.get('variants')} variants, {sr.get('launches')} runs of which "
               f"{sr.get('graph_runs')} in replays, verdict {sr.get('verdict')!r} (script: "
               f"{w['variants']}, {w['runs']}, {w['graph_runs']}, no churn); host launches {total['scale_rows']}")
        inductor = {n: x for n, x in k.items() if n.startswith("triton_")}
        ig = {n: (x["launches"], x["graph_runs"]) for n, x in inductor.items()}
        report(bool(inductor) and all(g > 0 for _, g in ig.values()), case,
               f"torch.compile(mode='reduce-overhead'): Inductor kernels (runs, in replays) {ig} "
               f"over {want['compiled_calls']} calls")
        top = sorted(k.values(), key=lambda x: -x["graph_runs"])[:4]
        print("     most replayed:", [(x["name"][:40], x["launches"], x["graph_runs"]) for x in top],
              flush=True)
        show_report(trace_dir, 16)
    elif case == "gpu_time_profiler":
        report(said.get("gpu_events", 0) > 0, case, f"torch.profiler saw {said.get('gpu_events')} GPU events")
        report("gpu_time_yielded" in cupti, case, f"kcprof let go of the activity records: {cupti}")
    elif case == "profiler":
        report(said.get("gpu_events", 0) > 0, case, f"torch.profiler saw {said.get('gpu_events')} GPU events")
        # kineto keeps its subscription to the end: kcprof yields and may never resume.
        report("yielded" in cupti, case, f"CUPTI events {cupti}")
    sys.exit(1 if failed else 0)


main()
