import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';

interface KubeModel {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): { validate(): void };
}

/**
 * The kinds deploy/k8s uses, by apiVersion/kind. kubernetes-models compiles the Kubernetes
 * OpenAPI schemas into validators (types, required fields, formats, int-or-string).
 */
const MODELS = new Map<string, KubeModel>(
  [ConfigMap, Service, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget].map((m) => [`${m.apiVersion}/${m.kind}`, m]),
);

export type Manifest = Record<string, unknown> & { apiVersion?: unknown; kind?: unknown };

/** Problems of one manifest against the Kubernetes schema of its apiVersion/kind (empty: valid). */
export function manifestProblems(doc: Manifest): string[] {
  const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  const Model = MODELS.get(key);
  if (!Model) return [`no schema for ${key}`];
  try {
    new Model(structuredClone(doc) as never).validate();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** Every YAML document of a file, parse errors included. */
export function readManifests(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Manifest;
  });
}
