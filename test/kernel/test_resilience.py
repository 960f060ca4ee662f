"""The data2vec-ts kernel survives what users do to it (issue: kernel resilience).

- A library error thrown inside an awaited call fails only its cell, as one clean
  ``Error: <sentence>`` with no kernel frames, and the next cell runs with the earlier
  cells' state.
- Kernel -> Interrupt during ``pretrain`` stops the run after its current update: the cell
  ends normally with ``stopped: true``, the checkpoint on disk holds exactly the updates
  in metrics.csv, and the next cell runs. With no run going, an interrupt still ends a
  waiting cell (tslab's own interrupt).
- Kernel -> Restart leaves no process of the old kernel behind, children included.

Run: ``/usr/bin/python3 -m unittest discover -s test/kernel -p 'test_resilience.py' -v`` (from
the package root, with the kernelspec on ``JUPYTER_PATH`` as for test_kernel.py).
"""

import json
import os
import re
import shutil
import struct
import tempfile
import threading
import time
import unittest

from jupyter_client.manager import start_new_kernel

NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "notebooks")
SLOW = 180
MICRO = '{ "model.dim": "16", "model.depth": "1", "model.heads": "1", "data2vec.targets.topK": "1" }'


def checkpoint_update(path):
    """The update count in a checkpoint's safetensors metadata."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return int(json.loads(f.read(n))["__metadata__"]["update"])


def pids_in_session(sid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[3]) == sid and fields[0] != "Z":  # session id; zombies are already gone
                    out.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return out


class KernelResilienceTests(unittest.TestCase):
    kernel_name = os.environ.get("D2V_KERNEL_NAME", "data2vec-ts")

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, cwd=NOTEBOOKS)
        cls.kc.execute_interactive('import { pretrain, initBackend } from "data2vec-ts"; await initBackend();', timeout=SLOW)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def run_cell(self, code, timeout=SLOW, on_output=None):
        """Runs a cell; returns (reply content, stdout text, error content or None)."""
        stdout, error = [], []

        def hook(msg):
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                stdout.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                error.append(msg["content"])
            if on_output:
                on_output(msg)

        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=hook)
        return reply["content"], "".join(stdout), (error[0] if error else None)

    def test_library_error_fails_only_its_cell(self):
        self.assertEqual(self.run_cell("const keptAcrossCells = 41;")[0]["status"], "ok")
        reply, _, error = self.run_cell('await pretrain({ modality: "image", preset: "nope" });')
        self.assertEqual(reply["status"], "error")
        self.assertEqual(error["ename"], "Error")
        self.assertRegex(error["evalue"], r'^--preset "nope" is not a image v1 preset; choose one of ')
        self.assertFalse(any("tslab" in l or "node:" in l for l in error["traceback"]), error["traceback"])
        reply, out, _ = self.run_cell("console.log(keptAcrossCells + 1);")
        self.assertEqual((reply["status"], out.strip()), ("ok", "42"))

    def test_interrupt_stops_pretrain_after_its_update_and_keeps_the_checkpoint(self):
        out_dir = tempfile.mkdtemp(prefix="d2v-kernel-interrupt-")
        try:
            code = (
                f"const interrupted = await pretrain({{ modality: 'image', preset: 'tiny', out: {json.dumps(out_dir)}, report: false,\n"
                f"  overrides: {{ steps: 5000, batchSize: 4, set: {MICRO} }}, onUpdate: (r) => console.log(`update ${{r.step}}`) }});\n"
                "console.log(JSON.stringify({ stopped: interrupted.stopped, steps: interrupted.steps }));"
            )
            sent = []

            def interrupt_after_updates(msg):
                if not sent and msg["msg_type"] == "stream" and re.search(r"update 3\b", msg["content"]["text"]):
                    sent.append(time.time())
                    self.km.interrupt_kernel()

            reply, out, error = self.run_cell(code, on_output=interrupt_after_updates)
            self.assertTrue(sent, (reply, out, error))
            self.assertEqual(reply["status"], "ok", error)
            summary = json.loads(out.strip().splitlines()[-1])
            self.assertTrue(summary["stopped"])
            self.assertGreaterEqual(summary["steps"], 3)
            self.assertLess(summary["steps"], 5000)
            self.assertEqual(checkpoint_update(os.path.join(out_dir, "checkpoint.safetensors")), summary["steps"])
            with open(os.path.join(out_dir, "metrics.csv")) as f:
                self.assertEqual(len(f.read().strip().splitlines()) - 1, summary["steps"])
            reply, out, _ = self.run_cell("console.log(6 * 7);")
            self.assertEqual((reply["status"], out.strip()), ("ok", "42"))
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    def test_interrupt_without_a_run_ends_the_cell(self):
        def interrupt_soon(msg):
            # a second later, when the cell is awaiting its timer (not still compiling or running synchronously)
            if msg["msg_type"] == "stream" and "waiting" in msg["content"]["text"]:
                threading.Timer(1.0, self.km.interrupt_kernel).start()

        reply, _, _ = self.run_cell('console.log("waiting"); await new Promise((r) => setTimeout(r, 120000));', timeout=60, on_output=interrupt_soon)
        self.assertEqual(reply["status"], "error")
        self.assertEqual(self.run_cell("console.log(1);")[0]["status"], "ok")


class KernelRestartTests(unittest.TestCase):
    kernel_name = os.environ.get("D2V_KERNEL_NAME", "data2vec-ts")

    def test_restart_leaves_no_orphan_processes(self):
        km, kc = start_new_kernel(kernel_name=self.kernel_name, cwd=NOTEBOOKS)
        try:
            # a cell that leaves a child process running, as a helper tool or a data loader might
            kc.execute_interactive('import { spawn } from "child_process"; const helper = spawn("sleep", ["600"]); console.log(helper.pid);', timeout=SLOW)
            old = km.provisioner.pid
            sid = os.getsid(old)
            before = pids_in_session(sid)
            self.assertGreaterEqual(len(before), 2, before)  # the kernel and its child
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=SLOW)
            deadline = time.time() + 20
            while pids_in_session(sid) and time.time() < deadline:
                time.sleep(0.2)
            self.assertEqual(pids_in_session(sid), [])
            self.assertNotEqual(km.provisioner.pid, old)
            self.assertEqual(kc.execute_interactive("console.log(1);", timeout=SLOW)["content"]["status"], "ok")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()
