import type { RecommendRequest } from '../../src/pipeline/context.js';

/** A validated recommend request with PaiRec's defaults, for calling the engine directly. */
export function recommendRequest(over: Partial<RecommendRequest> = {}): RecommendRequest {
  return {
    requestId: 'r',
    uid: '1',
    size: 10,
    sceneId: 'default_scene',
    category: 'default',
    features: {},
    debug: false,
    ...over,
  };
}
