"""One-time conversion of Resemblyzer's speaker encoder to ONNX: models/speaker/voice_encoder.onnx.

Why: `resemblyzer` 0.1.4 (Apache-2.0, PyPI) ships `resemblyzer/pretrained.pt`, a GE2E speaker encoder (3-layer LSTM,
40 mel channels in, 256 hidden; a linear layer, ReLU and L2 normalisation give a 256-d voice embedding), but
only for torch. This script reads the weights without torch and writes the same network as ONNX, which the server
can run on onnxruntime. Run by hand, once; the output is committed with the licence (models/speaker/LICENSE).

How: the file is torch's legacy serialisation (a sequence of pickles followed by raw little-endian storages). We
unpickle it with a restricted unpickler that only rebuilds tensors (no torch code runs), then write three ONNX
LSTM nodes (gates reordered from torch's i, f, g, o to ONNX's i, o, f, c; torch's two biases become ONNX's Wb and
Rb), the last layer's final hidden state through Gemm, Relu and LpNormalization. `--verify` compares onnxruntime
with a plain numpy implementation of torch's LSTM equations on random mel inputs.

Input `mels` (N, T, 40) float32: mel power spectrogram frames (25 ms window, 10 ms hop, 16 kHz) as Resemblyzer
computes them (no log); output `embedding` (N, 256).

    python3.11 -m venv /tmp/spkconv && /tmp/spkconv/bin/pip install onnx==1.23.2 onnxruntime==1.32.0 numpy
    /tmp/spkconv/bin/pip download --no-deps resemblyzer==0.1.4 -d /tmp/spkconv/wheel
    (cd /tmp/spkconv/wheel && unzip -o Resemblyzer-0.1.4-py3-none-any.whl)
    /tmp/spkconv/bin/python scripts/convert_resemblyzer_to_onnx.py /tmp/spkconv/wheel/resemblyzer/pretrained.pt --verify
"""

from __future__ import annotations

import argparse
import collections
import pickle
import struct
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "models" / "speaker" / "voice_encoder.onnx"
HIDDEN = 256
LAYERS = 3
MELS = 40


class _Storage:
    def __init__(self, key: str) -> None:
        self.key = key


class _TensorsOnly(pickle.Unpickler):
    """Rebuilds tensors as (storage, offset, size) records and refuses every other class."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *rest: (storage, offset, tuple(size))
        if module == "torch" and name.endswith("Storage"):
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing {module}.{name}")

    def persistent_load(self, pid: Any) -> _Storage:
        return _Storage(pid[2])


def read_weights(path: Path) -> dict[str, np.ndarray]:
    with path.open("rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)  # noqa: S301 - plain values only
        obj = _TensorsOnly(f).load()
        keys = pickle.load(f)  # noqa: S301 - a list of storage keys
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            storages[key] = np.frombuffer(f.read(4 * count), dtype="<f4")
    state = obj.get("model_state", obj)
    return {
        name: storages[storage.key][offset : offset + int(np.prod(size))].reshape(size).astype(np.float32)
        for name, (storage, offset, size) in state.items()
    }


def _onnx_gates(w: np.ndarray) -> np.ndarray:
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def build_model(weights: dict[str, np.ndarray]) -> Any:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    x = "mels_tnc"
    nodes.append(helper.make_node("Transpose", ["mels"], [x], perm=[1, 0, 2]))  # ONNX LSTM: (T, N, C)
    for layer in range(LAYERS):
        w = _onnx_gates(weights[f"lstm.weight_ih_l{layer}"])[None]
        r = _onnx_gates(weights[f"lstm.weight_hh_l{layer}"])[None]
        b = np.concatenate(
            [_onnx_gates(weights[f"lstm.bias_ih_l{layer}"]), _onnx_gates(weights[f"lstm.bias_hh_l{layer}"])]
        )[None]
        names = [f"W{layer}", f"R{layer}", f"B{layer}"]
        inits += [numpy_helper.from_array(a.astype(np.float32), n) for a, n in zip((w, r, b), names, strict=True)]
        y, y_h = f"y{layer}", f"h{layer}"
        nodes.append(helper.make_node("LSTM", [x, *names], [y, y_h], hidden_size=HIDDEN))
        x = f"y{layer}_tnc"
        nodes.append(helper.make_node("Squeeze", [y, "axis1"], [x]))  # (T, 1, N, H) -> (T, N, H)
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axis0"))
    inits.append(numpy_helper.from_array(weights["linear.weight"], "linear_w"))
    inits.append(numpy_helper.from_array(weights["linear.bias"], "linear_b"))
    nodes += [
        helper.make_node("Squeeze", [f"h{LAYERS - 1}", "axis0"], ["hidden"]),  # (1, N, H) -> (N, H)
        helper.make_node("Gemm", ["hidden", "linear_w", "linear_b"], ["raw"], transB=1),
        helper.make_node("Relu", ["raw"], ["positive"]),
        helper.make_node("LpNormalization", ["positive"], ["embedding"], axis=1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "resemblyzer_voice_encoder",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["N", "T", MELS])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", HIDDEN])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="open-interview")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def numpy_reference(weights: dict[str, np.ndarray], mels: np.ndarray) -> np.ndarray:
    """torch.nn.LSTM's equations, plainly: the check that the gate reordering is right."""

    def sigmoid(v: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-v))

    x = mels.astype(np.float64)
    n = x.shape[0]
    for layer in range(LAYERS):
        w_ih, w_hh = weights[f"lstm.weight_ih_l{layer}"], weights[f"lstm.weight_hh_l{layer}"]
        bias = weights[f"lstm.bias_ih_l{layer}"] + weights[f"lstm.bias_hh_l{layer}"]
        h, c = np.zeros((n, HIDDEN)), np.zeros((n, HIDDEN))
        outputs = []
        for t in range(x.shape[1]):
            gates = x[:, t] @ w_ih.T + h @ w_hh.T + bias
            i, f, g, o = np.split(gates, 4, axis=1)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            outputs.append(h)
        x = np.stack(outputs, axis=1)
    raw = np.maximum(0.0, h @ weights["linear.weight"].T + weights["linear.bias"])
    return raw / np.linalg.norm(raw, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pretrained", type=Path, help="resemblyzer/pretrained.pt from the resemblyzer 0.1.4 wheel")
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args()
    weights = read_weights(args.pretrained)
    model = build_model(weights)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(model.SerializeToString())
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")
    if args.verify:
        import onnxruntime as ort

        session = ort.InferenceSession(str(OUT), providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(0)
        mels = rng.gamma(1.0, 0.02, size=(3, 160, MELS)).astype(np.float32)
        got = session.run(None, {"mels": mels})[0]
        want = numpy_reference(weights, mels)
        print(f"largest difference from the numpy reference: {np.abs(got - want).max():.2e}")


if __name__ == "__main__":
    main()
