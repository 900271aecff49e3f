import { AlgorithmRegistry } from './registry.js';
import { lookupType } from './lookup/index.js';
import { annType } from './ann/index.js';
import { faissType } from './faiss/index.js';
import { milvusType } from './milvus/index.js';
import { easType } from './eas/index.js';
import { tfservingType } from './tfserving/index.js';
import { kserveType } from './kserve/index.js';
import { onnxType } from './onnx/index.js';

/** A registry holding every built-in algorithm type; each call returns a fresh one. */
export function createDefaultRegistry(): AlgorithmRegistry {
  const registry = new AlgorithmRegistry();
  registry.registerType(lookupType);
  registry.registerType(annType);
  registry.registerType(faissType);
  registry.registerType(milvusType);
  registry.registerType(easType);
  registry.registerType(tfservingType);
  registry.registerType(kserveType);
  registry.registerType(onnxType);
  return registry;
}
