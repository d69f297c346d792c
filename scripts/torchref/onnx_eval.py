"""A small ONNX graph evaluator written in PyTorch, for the operators that torch.onnx.export emits for
small conv / MLP diffusion networks and for the test fixtures' closed-form graphs.

Why: Debian packages onnx 1.12, which has no onnx.reference evaluator (added in 1.13), and no onnxruntime;
this lets PyTorch's own sampler run an exported .onnx file, and lets the fixtures be checked. Each operator
follows the ONNX operator specification (https://onnx.ai/onnx/operators/); an operator not listed here is
refused by name rather than guessed. Tensors keep the graph's dtypes (float16 stays float16)."""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

_DT = {
    onnx.TensorProto.FLOAT: torch.float32, onnx.TensorProto.DOUBLE: torch.float64,
    onnx.TensorProto.FLOAT16: torch.float16, onnx.TensorProto.INT64: torch.int64,
    onnx.TensorProto.INT32: torch.int32, onnx.TensorProto.BOOL: torch.bool,
    onnx.TensorProto.INT8: torch.int8, onnx.TensorProto.UINT8: torch.uint8,
}


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _tensor(t):
    return torch.from_numpy(np.array(numpy_helper.to_array(t)))


def _axes(v, rank):
    return [int(a) % rank for a in v]


def _pads(pads):
    n = len(pads) // 2
    return list(pads[:n]), list(pads[n:])


def _conv(x, w, b, a, transpose=False):
    nd = x.dim() - 2
    strides = a.get("strides", [1] * nd)
    dil = a.get("dilations", [1] * nd)
    group = a.get("group", 1)
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError("Conv auto_pad")
    begin, end = _pads(a.get("pads", [0] * (2 * nd)))
    if transpose:
        if begin != end or a.get("output_padding", [0] * nd) != [0] * nd and any(a.get("output_padding")):
            outpad = a.get("output_padding", [0] * nd)
        else:
            outpad = [0] * nd
        if begin != end:
            raise NotImplementedError("ConvTranspose asymmetric pads")
        fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]
        return fn(x, w, b, stride=strides, padding=begin, output_padding=outpad, groups=group, dilation=dil)
    if begin != end:
        pad = []
        for i in reversed(range(nd)):
            pad += [begin[i], end[i]]
        x = F.pad(x, pad)
        begin = [0] * nd
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    return fn(x, w, b, stride=strides, padding=begin, dilation=dil, groups=group)


def _pool(x, a, kind):
    nd = x.dim() - 2
    k = a["kernel_shape"]
    strides = a.get("strides", [1] * nd)
    begin, end = _pads(a.get("pads", [0] * (2 * nd)))
    if begin != end or a.get("ceil_mode", 0):
        raise NotImplementedError(f"{kind} with asymmetric pads or ceil_mode")
    if kind == "MaxPool":
        return {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nd](x, k, strides, begin)
    return {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[nd](
        x, k, strides, begin, count_include_pad=bool(a.get("count_include_pad", 0)))


def _slice(x, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else _axes(axes, x.dim())
    steps = [1] * len(starts) if steps is None else list(steps)
    idx = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        if st <= 0:
            raise NotImplementedError("Slice with step <= 0")
        n = x.shape[ax]
        s = max(0, min(n, s + n if s < 0 else s))
        e = max(0, min(n, e + n if e < 0 else e))
        idx[ax] = slice(s, e, st)
    return x[tuple(idx)]


def _ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def _run_node(op, a, ins):
    x = ins[0] if ins else None
    if op == "Identity":
        return x
    if op in ("Add", "Sub", "Mul", "Div", "Pow"):
        y = ins[1]
        if op == "Div" and not x.is_floating_point():
            return torch.div(x, y, rounding_mode="trunc")
        return {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div, "Pow": torch.pow}[op](x, y)
    unary = {"Neg": torch.neg, "Sqrt": torch.sqrt, "Exp": torch.exp, "Log": torch.log, "Sin": torch.sin,
             "Cos": torch.cos, "Tanh": torch.tanh, "Sigmoid": torch.sigmoid, "Relu": torch.relu, "Abs": torch.abs,
             "Erf": torch.erf, "Floor": torch.floor, "Ceil": torch.ceil, "Reciprocal": torch.reciprocal,
             "Not": torch.logical_not, "Softplus": F.softplus, "Sinh": torch.sinh, "Cosh": torch.cosh}
    if op in unary:
        return unary[op](x)
    if op == "LeakyRelu":
        return F.leaky_relu(x, a.get("alpha", 0.01))
    if op == "Clip":
        lo = ins[1] if len(ins) > 1 and ins[1] is not None else None
        hi = ins[2] if len(ins) > 2 and ins[2] is not None else None
        return torch.clamp(x, lo, hi)
    if op in ("Min", "Max"):
        r = ins[0]
        for y in ins[1:]:
            r = torch.minimum(r, y) if op == "Min" else torch.maximum(r, y)
        return r
    if op in ("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"):
        return {"Equal": torch.eq, "Less": torch.lt, "Greater": torch.gt, "LessOrEqual": torch.le,
                "GreaterOrEqual": torch.ge}[op](x, ins[1])
    if op == "Where":
        return torch.where(ins[0], ins[1], ins[2])
    if op == "Cast":
        return x.to(_DT[a["to"]])
    if op == "CastLike":
        return x.to(ins[1].dtype)
    if op == "Constant":
        if "value" in a:
            return torch.from_numpy(np.array(numpy_helper.to_array(a["value"])))
        for key, dt in (("value_float", torch.float32), ("value_int", torch.int64)):
            if key in a:
                return torch.tensor(a[key], dtype=dt)
        for key, dt in (("value_floats", torch.float32), ("value_ints", torch.int64)):
            if key in a:
                return torch.tensor(list(a[key]), dtype=dt)
        raise NotImplementedError("Constant of this kind")
    if op == "ConstantOfShape":
        v = torch.from_numpy(np.array(numpy_helper.to_array(a["value"]))) if "value" in a else torch.zeros(1)
        return torch.full(_ints(x), v.reshape(-1)[0].item(), dtype=v.dtype)
    if op == "Shape":
        s = torch.tensor(list(x.shape), dtype=torch.int64)
        return s[a.get("start", 0):a["end"]] if "end" in a else s[a.get("start", 0):]
    if op == "Size":
        return torch.tensor(x.numel(), dtype=torch.int64)
    if op == "Reshape":
        shape = _ints(ins[1])
        if not a.get("allowzero", 0):
            shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
        return x.reshape(shape)
    if op == "Flatten":
        ax = a.get("axis", 1) % max(x.dim(), 1)
        return x.reshape(int(np.prod(x.shape[:ax])), -1)
    if op == "Unsqueeze":
        axes = _ints(ins[1]) if len(ins) > 1 else list(a["axes"])
        rank = x.dim() + len(axes)
        for ax in sorted(v % rank for v in axes):
            x = x.unsqueeze(ax)
        return x
    if op == "Squeeze":
        axes = _ints(ins[1]) if len(ins) > 1 and ins[1] is not None else a.get("axes")
        if axes is None:
            return x.squeeze()
        for ax in sorted(_axes(axes, x.dim()), reverse=True):
            x = x.squeeze(ax)
        return x
    if op == "Transpose":
        return x.permute(*a.get("perm", list(reversed(range(x.dim())))))
    if op == "Concat":
        return torch.cat([t for t in ins if t is not None], dim=a["axis"])
    if op == "Split":
        ax = a.get("axis", 0)
        sizes = _ints(ins[1]) if len(ins) > 1 and ins[1] is not None else a.get("split")
        if sizes is None:
            n = a["num_outputs"]
            sizes = [x.shape[ax] // n] * n
        return tuple(torch.split(x, list(sizes), dim=ax))
    if op == "Slice":
        return _slice(x, _ints(ins[1]), _ints(ins[2]), _ints(ins[3]) if len(ins) > 3 and ins[3] is not None else None,
                      _ints(ins[4]) if len(ins) > 4 and ins[4] is not None else None)
    if op == "Expand":
        shape = _ints(ins[1])
        return x * torch.ones(shape, dtype=x.dtype) if x.dtype != torch.bool else x.expand(
            torch.broadcast_shapes(x.shape, tuple(shape)))
    if op == "Tile":
        return x.repeat(*_ints(ins[1]))
    if op == "Range":
        return torch.arange(ins[0].item(), ins[1].item(), ins[2].item(), dtype=ins[0].dtype)
    if op == "Gather":
        ax = a.get("axis", 0) % x.dim()
        idx = ins[1].to(torch.int64)
        idx = torch.where(idx < 0, idx + x.shape[ax], idx)
        if (idx < 0).any() or (idx >= x.shape[ax]).any():
            raise IndexError(f"Gather index out of range [0, {x.shape[ax]})")
        out = torch.index_select(x, ax, idx.reshape(-1))
        return out.reshape(*x.shape[:ax], *idx.shape, *x.shape[ax + 1:])
    if op == "MatMul":
        return torch.matmul(x, ins[1])
    if op == "Gemm":
        A, B = ins[0], ins[1]
        if a.get("transA", 0):
            A = A.t()
        if a.get("transB", 0):
            B = B.t()
        y = a.get("alpha", 1.0) * (A @ B)
        if len(ins) > 2 and ins[2] is not None:
            y = y + a.get("beta", 1.0) * ins[2]
        return y
    if op == "Conv":
        return _conv(x, ins[1], ins[2] if len(ins) > 2 else None, a)
    if op == "ConvTranspose":
        return _conv(x, ins[1], ins[2] if len(ins) > 2 else None, a, transpose=True)
    if op in ("MaxPool", "AveragePool"):
        return _pool(x, a, op)
    if op == "GlobalAveragePool":
        return x.mean(dim=tuple(range(2, x.dim())), keepdim=True)
    if op == "InstanceNormalization":
        eps = a.get("epsilon", 1e-5)
        dims = tuple(range(2, x.dim()))
        mean = x.mean(dim=dims, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
        shape = [1, -1] + [1] * (x.dim() - 2)
        return (x - mean) / torch.sqrt(var + eps) * ins[1].reshape(shape) + ins[2].reshape(shape)
    if op == "LayerNormalization":
        ax = a.get("axis", -1) % x.dim()
        dims = tuple(range(ax, x.dim()))
        mean = x.mean(dim=dims, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
        y = (x - mean) / torch.sqrt(var + a.get("epsilon", 1e-5)) * ins[1]
        return y + ins[2] if len(ins) > 2 and ins[2] is not None else y
    if op == "BatchNormalization":
        shape = [1, -1] + [1] * (x.dim() - 2)
        sc, b, m, v = (t.reshape(shape) for t in ins[1:5])
        return (x - m) / torch.sqrt(v + a.get("epsilon", 1e-5)) * sc + b
    if op in ("ReduceMean", "ReduceSum"):
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = _ints(ins[1])
        keep = bool(a.get("keepdims", 1))
        dims = tuple(range(x.dim())) if not axes else tuple(_axes(axes, x.dim()))
        return x.mean(dim=dims, keepdim=keep) if op == "ReduceMean" else x.sum(dim=dims, keepdim=keep)
    if op == "Softmax":
        return torch.softmax(x, dim=a.get("axis", -1))
    if op == "Resize":
        mode = a.get("mode", b"nearest")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode != "nearest" or len(ins) < 3 or ins[2] is None or ins[2].numel() == 0:
            if len(ins) > 3 and ins[3] is not None and ins[3].numel() > 0 and mode == "nearest":
                return F.interpolate(x, size=_ints(ins[3])[2:], mode="nearest")
            raise NotImplementedError(f"Resize mode {mode}")
        scales = ins[2].tolist()[2:]
        return F.interpolate(x, scale_factor=scales, mode="nearest")
    raise NotImplementedError(f"ONNX operator {op} is not supported by torchref.onnx_eval")


class OnnxGraph:
    """An ONNX model loaded for evaluation: run(dict name -> array/tensor) -> dict name -> tensor."""

    def __init__(self, path_or_model):
        m = onnx.load(path_or_model) if isinstance(path_or_model, str) else path_or_model
        onnx.checker.check_model(m)
        self.model = m
        g = m.graph
        self.init = {t.name: _tensor(t) for t in g.initializer}
        self.inputs = [(v.name, v.type.tensor_type.elem_type,
                        [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim])
                       for v in g.input if v.name not in self.init]
        self.outputs = [(v.name, v.type.tensor_type.elem_type,
                         [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]) for v in g.output]
        self.ops = sorted({n.op_type for n in g.node})
        for n in g.node:
            if n.domain not in ("", "ai.onnx"):
                raise NotImplementedError(f"operator domain {n.domain}")

    @torch.no_grad()
    def run(self, feeds):
        env = dict(self.init)
        for name, et, _ in self.inputs:
            v = feeds[name]
            t = v if isinstance(v, torch.Tensor) else torch.from_numpy(np.asarray(v))
            if t.dtype != _DT[et]:
                raise TypeError(f"input {name}: dtype {t.dtype}, the graph wants {_DT[et]}")
            env[name] = t
        for n in self.model.graph.node:
            ins = [env[i] if i else None for i in n.input]
            out = _run_node(n.op_type, _attrs(n), ins)
            outs = out if isinstance(out, tuple) else (out,)
            for name, val in zip(n.output, outs):
                if name:
                    env[name] = val
        return {name: env[name] for name, _, _ in self.outputs}
