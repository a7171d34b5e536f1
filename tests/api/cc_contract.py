"""Cruise Control's contract for the tests of Ballast's Cruise Control API: its OpenAPI files
(cc-contract/cc-openapi, read where they lie: never copied into the project) turned into JSON
Schemas per endpoint, method and status, with the corrections where Cruise Control's Java code
answers otherwise than its yaml (each listed in ERRATA and in docs/api.md), and Strimzi's
recorded answers (cc-contract/strimzi-fixtures).

Where the contract lies: $BALLAST_SHARED, else ../shared beside the source root (CI clones main
with a copy of shared/ beside it), else ../shared beside the main checkout of a git worktree.
Not found is an error naming the places tried, never a skip."""
import copy
import json
import os
import subprocess

import jsonschema
import yaml

ROOT = os.environ.get("BALLAST_SOURCE_ROOT",
                      os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def shared_dir():
    tried = []
    env = os.environ.get("BALLAST_SHARED")
    if env:
        tried.append(env)
    tried.append(os.path.join(ROOT, "..", "shared"))
    try:
        common = subprocess.run(["git", "-C", ROOT, "rev-parse", "--path-format=absolute",
                                 "--git-common-dir"], capture_output=True, text=True,
                                timeout=10).stdout.strip()
        if common:
            tried.append(os.path.join(os.path.dirname(common), "..", "shared"))
    except OSError:
        pass
    for d in tried:
        if os.path.isdir(os.path.join(d, "cc-contract", "cc-openapi")):
            return os.path.abspath(d)
    raise RuntimeError("Cruise Control's contract (shared/cc-contract) not found; tried "
                       + ", ".join(tried) + " (set BALLAST_SHARED)")


SHARED = shared_dir()
OPENAPI = os.path.join(SHARED, "cc-contract", "cc-openapi")
FIXTURES = os.path.join(SHARED, "cc-contract", "strimzi-fixtures")

# Where Cruise Control's Java code answers otherwise than its yaml (docs/api.md lists them):
# (file, schema name, JSON path inside the schema, action, value).
ERRATA = [
    # ProgressResult: ProgressJson writes no "version" in each operation (only at the top)
    ("progressResult.yaml", "OperationProgress", ["required"], "remove", "version"),
    # PartitionLoadState: the loads are doubles (Java double fields), not integers
    *[("partitionLoadState.yaml", "PartitionLoadRecord", ["properties", f, "type"], "set",
       "number") for f in ("cpu", "networkInbound", "networkOutbound", "disk", "msg_in")],
    # BrokerStats: the per-host entries (BasicStats of a host) carry no Rack
    ("brokerStats.yaml", "SingleHostStats", ["required"], "remove", "Rack"),
    # ExecutionProposal: topicPartition is written as an object {topic, partition}, not a string
    ("executionProposal.yaml", "ExecutionProposal", ["properties", "topicPartition"], "set",
     {"type": "object", "required": ["topic", "partition"]}),
    # KafkaClusterState Summary: standard deviations are doubles
    *[("kafkaClusterState.yaml", "ClusterStats", ["properties", f, "type"], "set", "number")
      for f in ("StdReplicasPerBroker", "StdLeadersPerBroker", "MaxReplicasPerBroker",
                "MaxLeadersPerBroker")],
]

_files = {}


def _load(name):
    if name not in _files:
        with open(os.path.join(OPENAPI, "responses", name)) as f:
            _files[name] = yaml.safe_load(f)
        for fname, schema, path, action, value in ERRATA:
            if fname != name:
                continue
            node = _files[name][schema]
            for k in path[:-1]:
                node = node[k]
            if action == "remove":
                node[path[-1]] = [x for x in node.get(path[-1], []) if x != value]
            else:
                node[path[-1]] = value
    return _files[name]


def _inline(node, here, depth=0):
    """Replaces every $ref ('file.yaml#/Name', '#/Name', '../responses/x.yaml#/Name') by the
    schema it names; OpenAPI's 'nullable' becomes a null type."""
    if depth > 40:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            f, _, name = ref.partition("#/")
            f = os.path.basename(f) if f else here
            return _inline(copy.deepcopy(_load(f)[name]), f, depth + 1)
        out = {k: _inline(v, here, depth + 1) for k, v in node.items()
               if k not in ("format", "example", "description", "nullable")}
        if node.get("nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_inline(x, here, depth + 1) for x in node]
    return node


def _endpoint_doc(endpoint):
    with open(os.path.join(OPENAPI, "base.yaml")) as f:
        base = yaml.safe_load(f)
    ref = base["paths"]["/" + endpoint]["$ref"]
    f, _, name = ref.partition("#/")
    with open(os.path.join(OPENAPI, f)) as fh:
        return yaml.safe_load(fh)[name]


def endpoints():
    with open(os.path.join(OPENAPI, "base.yaml")) as f:
        base = yaml.safe_load(f)
    out = []
    for p in base["paths"]:
        doc = _endpoint_doc(p[1:])
        for m in ("get", "post"):
            if m in doc:
                out.append((p[1:], m.upper(), [x["name"] for x in doc[m].get("parameters", [])]))
    return out


def schema(endpoint, method, status):
    doc = _endpoint_doc(endpoint)[method.lower()]
    resp = doc["responses"].get(str(status)) or doc["responses"]["default"]
    s = resp["content"]["application/json"]["schema"]
    return _inline(s, "base.yaml")


def validate(endpoint, method, status, body):
    """None when body fits the schema of (endpoint, method, status), else the error text."""
    try:
        jsonschema.Draft7Validator(schema(endpoint, method, status)).validate(body)
        return None
    except jsonschema.ValidationError as e:
        return f"{e.message} at {list(e.absolute_path)}"


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def same_types(ours, theirs, path="", skip=()):
    """The differences in JSON type between the fields both have, and the fields of theirs
    ours lacks (lists: their first item against each of ours)."""
    diffs = []
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{path}: object expected, got {type(ours).__name__}"]
        for k, v in theirs.items():
            if k in skip:
                continue
            if k not in ours:
                diffs.append(f"{path}.{k}: missing")
            else:
                diffs += same_types(ours[k], v, f"{path}.{k}", skip)
    elif isinstance(theirs, list):
        if not isinstance(ours, list):
            return [f"{path}: list expected, got {type(ours).__name__}"]
        if theirs:
            for i, x in enumerate(ours[:20]):
                diffs += same_types(x, theirs[0], f"{path}[{i}]", skip)
    else:
        num = (int, float)
        if isinstance(theirs, bool) or isinstance(ours, bool):
            ok = isinstance(ours, bool) == isinstance(theirs, bool)
        elif isinstance(theirs, num):
            ok = isinstance(ours, num)
        else:
            ok = type(ours) is type(theirs)
        if not ok:
            diffs.append(f"{path}: {type(theirs).__name__} expected, got "
                         f"{type(ours).__name__} ({ours!r})")
    return diffs
