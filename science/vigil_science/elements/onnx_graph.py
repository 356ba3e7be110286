"""Small helpers to build and wrap ONNX graphs the runtimes can load.

Every ONNX element has one input named "input" ([N, F], float32 or float64,
columns = the element's `inputs` in order) and an output named "score" ([N, 1],
the raw score). Extra outputs (contributions, prediction) are declared in the
manifest. Models are pinned to ONNX opset 17, ai.onnx.ml opset 3 and IR version 8
so that older onnxruntime builds (onnxruntime-node) load them too.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
ML_OPSET = 3
IR_VERSION = 8
INPUT = "input"
SCORE = "score"
DTYPES = {"float32": (np.float32, TensorProto.FLOAT), "float64": (np.float64, TensorProto.DOUBLE)}


def const(name: str, value: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value), name=name)


def finish(graph: onnx.GraphProto, domains: dict[str, int] | None = None) -> bytes:
    opsets = [helper.make_opsetid("", OPSET)]
    for domain, version in (domains or {}).items():
        opsets.append(helper.make_opsetid(domain, version))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="vigil_science")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def wrap_sklearn(
    inner: onnx.ModelProto,
    n_inputs: int,
    dtype: str,
    pre_nodes: list[onnx.NodeProto],
    post_nodes: list[onnx.NodeProto],
    initializers: list[onnx.TensorProto],
    outputs: dict[str, int],
    name: str,
) -> bytes:
    """Embed a skl2onnx graph between our own nodes: "input" -> pre -> inner -> post -> declared outputs."""
    elem = DTYPES[dtype][1]
    g = inner.graph
    nodes = list(pre_nodes) + list(g.node) + list(post_nodes)
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(INPUT, elem, [None, n_inputs])],
        [helper.make_tensor_value_info(o, elem, [None, width]) for o, width in outputs.items()],
        initializer=list(g.initializer) + list(initializers),
    )
    domains = {op.domain: op.version for op in inner.opset_import if op.domain not in ("", "ai.onnx")}
    return finish(graph, domains)
