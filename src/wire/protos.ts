import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';

const protoPath = (file: string): string => fileURLToPath(new URL(`../../../protos/${file}`, import.meta.url));

/** The EAS message types, loaded once from protos/ with their wire (snake_case) field names. */
export interface EasTypes {
  readonly PBRequest: Type;
  readonly PBResponse: Type;
  readonly PredictRequest: Type;
  readonly PredictResponse: Type;
}

let cached: EasTypes | undefined;

export function easTypes(): EasTypes {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.loadSync([protoPath('easyrec_predict.proto'), protoPath('tf_predict.proto')], { keepCase: true });
  cached = {
    PBRequest: root.lookupType('easyrec.PBRequest'),
    PBResponse: root.lookupType('easyrec.PBResponse'),
    PredictRequest: root.lookupType('tf_predict_protos.PredictRequest'),
    PredictResponse: root.lookupType('tf_predict_protos.PredictResponse'),
  };
  return cached;
}

/** Plain-object view options: numbers for int64, defaults filled, the set oneof named. */
export const TO_OBJECT = { longs: Number, enums: String, defaults: true, arrays: true, objects: true, oneofs: true } as const;

export function encodeMessage(type: Type, value: Record<string, unknown>): Uint8Array {
  // fromObject, not verify: it accepts enum names ('OK') and int64 as numbers.
  return type.encode(type.fromObject(value)).finish();
}

export function decodeMessage(type: Type, body: Uint8Array): Record<string, unknown> {
  return type.toObject(type.decode(body), TO_OBJECT) as Record<string, unknown>;
}
