"""A load made under a library's lock with the GIL released, while the thread holding the GIL
waits for that lock (tests/progs/liblocked.c): it must end, recorded or not. Exits 0 having
printed "done"."""
import ctypes
import os
import sys
import threading
import time

lib = os.path.join(sys.argv[1], "liblocked.so")
ptx = b".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry k()\n{\n\tret;\n}\n"
released, held = ctypes.CDLL(lib), ctypes.PyDLL(lib)
result = []
t = threading.Thread(target=lambda: result.append(released.load_locked(ctypes.c_char_p(ptx))))
t.start()
time.sleep(0.1)  # the thread holds the lock by now, its load 0.2 s away
held.touch_locked()  # the lock taken with the GIL held: waits while the load runs
t.join()
assert result == [0], result
print("done")
