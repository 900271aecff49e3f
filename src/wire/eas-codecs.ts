import { gunzipSync } from 'node:zlib';
import type { AlgoResponse, FeatureInput, FeatureMap } from '../algorithm/contract.js';
import { decodePBResponse, encodePBRequest, itemIdsOf } from './easyrec.js';
import { decodeEasTfResponse, encodeEasTfRequest } from './tensors.js';
import { BackendCallError, badReply } from '../algorithm/remote/http.js';
import type { ScoreCodec } from '../algorithm/remote/remote-score.js';
import { rowsOf } from '../algorithm/remote/rows.js';
import type { EasConf } from '../algorithm/eas/config.js';

const PMML_MAX_INFLATED = 64 << 20;

const pathOf = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};

/** Scores with, for MutVal response functions, a score map keyed by the output names. */
function withMap(scores: readonly number[], names: readonly string[], mutVal: boolean): AlgoResponse {
  const score = scores[0] ?? Number.NaN;
  if (!mutVal || names.length === 0) return { score };
  if (names.length !== scores.length) throw badReply(`${scores.length} scores for ${names.length} outputs`);
  return { score, scoreMap: Object.fromEntries(names.map((n, i) => [n, scores[i] as number])) };
}

export function easyRecCodec(conf: EasConf): ScoreCodec {
  const mutVal = conf.ResponseFuncName.includes('MutVal');
  return {
    contentType: 'application/octet-stream',
    path: pathOf(conf.Url),
    rowAlignedUsers: false,
    encode: (user, items) => encodePBRequest(user as FeatureMap | undefined, items),
    decode: (body, items) => {
      const r = decodePBResponse(body);
      if (r.status_code !== 'OK') throw new BackendCallError('status', `EasyRec status ${r.status_code}: ${r.error_msg}`, { retryable: false });
      // Results are keyed by the request's item ids (PaiRec reads them the same way).
      const ids = itemIdsOf(items);
      const names = conf.Outputs.length > 0 ? conf.Outputs : r.outputs;
      return ids.map((id) => {
        const res = r.results[id];
        if (!res || res.scores.length === 0) throw badReply(`reply has no score for item ${id}`);
        return withMap(res.scores, names, mutVal);
      });
    },
  };
}

export function tensorFlowCodec(conf: EasConf): ScoreCodec {
  const spec = conf.Features;
  if (!spec) throw new Error('EasConf.Features is required for the TensorFlow processor');
  const output = conf.Outputs[0];
  return {
    contentType: 'application/octet-stream',
    path: pathOf(conf.Url),
    rowAlignedUsers: true,
    encode: (user, items) => encodeEasTfRequest(rowsOf(spec, user, items), conf.InputName, conf.SignatureName, conf.Outputs),
    decode: (body, items) => decodeEasTfResponse(body, items.length, output),
  };
}

/** A feature value as JSON: vectors as number arrays. */
const jsonValue = (v: FeatureInput): unknown => (v instanceof Float32Array ? Array.from(v) : v);

/** PMML: a gzip JSON list of flat feature maps (user ⊕ item), answered by `[{"score": s}, ...]`. */
export function pmmlCodec(conf: EasConf): ScoreCodec {
  return {
    contentType: 'application/json',
    path: pathOf(conf.Url),
    alwaysGzip: true,
    rowAlignedUsers: true,
    encode: (user, items) =>
      JSON.stringify(
        items.map((item, i) => {
          const u = Array.isArray(user) ? (user as readonly FeatureMap[])[i] : (user as FeatureMap | undefined);
          const row: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(u ?? {})) row[`user_${k}`] = jsonValue(v);
          for (const [k, v] of Object.entries(item)) row[k] = jsonValue(v);
          return row;
        }),
      ),
    decode: (body) => {
      // A gzip reply is inflated with a bound, so a small body cannot claim unbounded memory.
      const text = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body, { maxOutputLength: PMML_MAX_INFLATED }).toString('utf8') : body.toString('utf8');
      const list: unknown = JSON.parse(text);
      if (!Array.isArray(list)) throw badReply('PMML reply is not a JSON list');
      return list.map((r: unknown) => {
        if (typeof r !== 'object' || r === null || !('score' in r) || typeof r.score !== 'number') throw badReply('PMML reply entry has no numeric score');
        // PaiRec's PMML reading: a label of "0" means the score is that of class 0.
        const label = 'lable' in r ? r.lable : 'label' in r ? r.label : undefined;
        return { score: label === '0' ? 1 - r.score : r.score };
      });
    },
  };
}
