"""A foreign client of pai.web.VectorRetrieval: Debian's python3-grpcio and protobuf.

The message types are declared here from the wire contract (field numbers and types),
not generated from this project's .proto, so the server is checked against an
independent reading of the protocol. Usage: vector_client.py PORT DATA.svm K QUERIES
Prints one JSON line; exits non-zero when the server disagrees with brute force.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def message_classes():
    fd = descriptor_pb2.FileDescriptorProto(name="foreign_vector.proto", package="pai.web", syntax="proto3")
    req = fd.message_type.add(name="VectorRequest")
    req.field.add(name="k", number=1, type=F.TYPE_UINT32, label=F.LABEL_OPTIONAL)
    req.field.add(name="vector", number=2, type=F.TYPE_FLOAT, label=F.LABEL_REPEATED)
    rep = fd.message_type.add(name="VectorReply")
    rep.field.add(name="retval", number=1, type=F.TYPE_UINT64, label=F.LABEL_REPEATED)
    rep.field.add(name="scores", number=2, type=F.TYPE_FLOAT, label=F.LABEL_REPEATED)
    rep.field.add(name="labels", number=3, type=F.TYPE_STRING, label=F.LABEL_REPEATED)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    get = getattr(message_factory, "GetMessageClass", None)
    if get is None:  # protobuf < 4.21
        factory = message_factory.MessageFactory(pool)
        get = factory.GetPrototype
    return get(pool.FindMessageTypeByName("pai.web.VectorRequest")), get(pool.FindMessageTypeByName("pai.web.VectorReply"))


def read_svm(path):
    rows = []
    for line in open(path):
        parts = line.split()
        if not parts:
            continue
        entries = {int(i): float(v) for i, v in (p.split(":") for p in parts[1:])}
        rows.append((parts[0], entries))
    dim = max(max(e) for _, e in rows)
    return [(label, [e.get(i + 1, 0.0) for i in range(dim)]) for label, e in rows]


def main():
    port, path, k, queries = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = read_svm(path)
    Request, Reply = message_classes()
    channel = grpc.insecure_channel("127.0.0.1:" + port)
    search = channel.unary_unary(
        "/pai.web.VectorRetrieval/Search",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=Reply.FromString,
    )
    checked = 0
    exact = 0
    for q in range(queries):
        query = data[(q * 7) % len(data)][1]
        # Brute force in float64; the server works in float32, hence the tolerance.
        scored = sorted(((sum(a * b for a, b in zip(query, vec)), label) for label, vec in data), key=lambda t: -t[0])[:k]
        reply = search(Request(k=k, vector=query), timeout=5)
        truth = {label: sum(a * b for a, b in zip(query, vec)) for label, vec in data}
        kth = scored[-1][0]
        labels = list(reply.labels)
        # A correct exact top-k: k distinct labels, each scored as brute force scores it,
        # none worse than brute force's k-th (ties within float32 precision may swap).
        problems = []
        if len(labels) != k or len(set(labels)) != k:
            problems.append("not k distinct labels")
        for label, got in zip(labels, reply.scores):
            if label not in truth or abs(truth[label] - got) > 1e-4 or truth[label] < kth - 1e-5:
                problems.append((label, got, truth.get(label)))
        if len(set(reply.retval)) != k:
            problems.append("retval not k distinct ids")
        if problems:
            print(json.dumps({"ok": False, "query": q, "expected": [l for _, l in scored], "got": labels, "problems": str(problems)}))
            sys.exit(1)
        if labels == [label for _, label in scored]:
            exact += 1
        checked += 1
    print(json.dumps({"ok": True, "queries": checked, "same_order": exact, "k": k, "grpc": grpc.__version__}))


main()
