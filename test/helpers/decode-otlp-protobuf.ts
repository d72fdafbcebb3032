/**
 * Decodes an OTLP `ExportTraceServiceRequest` in protobuf (what the http/protobuf exporter
 * sends) into the JSON encoding's shape, for the test receiver: only the fields the tests read
 * (ids in hex, name, kind, attributes, status, events, resource and scope).
 */
export function decodeOtlpProtobuf(buffer: Uint8Array): unknown {
  return { resourceSpans: repeated(buffer, 1).map(resourceSpans) };
}

type Field = { number: number; value: number | bigint | Uint8Array };

function resourceSpans(bytes: Uint8Array) {
  const resource = repeated(bytes, 1)[0];
  return {
    resource: { attributes: resource === undefined ? [] : repeated(resource, 1).map(keyValue) },
    scopeSpans: repeated(bytes, 2).map((scopeSpans) => {
      const scope = repeated(scopeSpans, 1)[0];
      return {
        scope: scope === undefined ? { name: "" } : { name: text(repeated(scope, 1)[0]), version: text(repeated(scope, 2)[0]) },
        spans: repeated(scopeSpans, 2).map(span),
      };
    }),
  };
}

function span(bytes: Uint8Array) {
  const fields = read(bytes);
  const one = (number: number) => fields.find((field) => field.number === number)?.value;
  const status = one(15) as Uint8Array | undefined;
  return {
    traceId: hex(one(1)),
    spanId: hex(one(2)),
    parentSpanId: hex(one(4)),
    name: text(one(5) as Uint8Array | undefined),
    kind: Number(one(6) ?? 0),
    attributes: repeated(bytes, 9).map(keyValue),
    status:
      status === undefined
        ? {}
        : { code: Number(read(status).find((f) => f.number === 3)?.value ?? 0), message: text(repeated(status, 2)[0]) || undefined },
    events: repeated(bytes, 11).map((event) => ({ name: text(repeated(event, 2)[0]), attributes: repeated(event, 3).map(keyValue) })),
  };
}

function keyValue(bytes: Uint8Array): { key: string; value: Record<string, unknown> } {
  const value = repeated(bytes, 2)[0];
  return { key: text(repeated(bytes, 1)[0]), value: value === undefined ? {} : anyValue(value) };
}

function anyValue(bytes: Uint8Array): Record<string, unknown> {
  const field = read(bytes)[0];
  if (field === undefined) return {};
  const { number, value } = field;
  if (number === 1) return { stringValue: text(value as Uint8Array) };
  if (number === 2) return { boolValue: value !== 0n };
  if (number === 3) return { intValue: Number(BigInt.asIntN(64, value as bigint)) };
  if (number === 4) return { doubleValue: Buffer.from(value as Uint8Array).readDoubleLE(0) };
  if (number === 5) return { arrayValue: { values: repeated(value as Uint8Array, 1).map(anyValue) } };
  return {};
}

/** The length-delimited fields numbered `number`. */
function repeated(bytes: Uint8Array, number: number): Uint8Array[] {
  return read(bytes)
    .filter((field) => field.number === number && field.value instanceof Uint8Array)
    .map((field) => field.value as Uint8Array);
}

/** Every field of a message: varints as bigint, fixed64 as its 8 bytes, length-delimited as bytes, fixed32 as a number. */
function read(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
  };
  while (at < bytes.length) {
    const tag = Number(varint());
    const number = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) fields.push({ number, value: varint() });
    else if (wire === 1) fields.push({ number, value: bytes.subarray(at, (at += 8)) });
    else if (wire === 2) {
      const length = Number(varint());
      fields.push({ number, value: bytes.subarray(at, (at += length)) });
    } else if (wire === 5) fields.push({ number, value: Buffer.from(bytes.subarray(at, (at += 4))).readUInt32LE(0) });
    else throw new Error(`protobuf wire type ${wire} is not expected in an OTLP export`);
  }
  return fields;
}

function text(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? "" : Buffer.from(bytes).toString("utf8");
}

function hex(value: Field["value"] | undefined): string {
  return value instanceof Uint8Array ? Buffer.from(value).toString("hex") : "";
}
