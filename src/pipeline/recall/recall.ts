import type { Catalog } from '../../catalog/catalog.js';
import type { RecallConf } from '../../config/schema.js';
import type { RecallTypeInfo } from '../../config/validate.js';
import type { Candidate, PipelineContext } from '../context.js';

/** One configured recall source of a scene. */
export interface RecallSource {
  readonly name: string;
  recall(ctx: PipelineContext): Promise<readonly Candidate[]>;
}

export interface RecallEnv {
  readonly catalog: Catalog | undefined;
}

/** A recall type (PaiRec's RecallType): what it needs, and how to build a source from its conf. */
export interface RecallTypeDef extends RecallTypeInfo {
  readonly type: string;
  create(conf: RecallConf, env: RecallEnv): RecallSource;
}
