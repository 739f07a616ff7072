/**
 * Multipart uploads of model files (the deployments API and Camunda
 * Modeler's /engine-rest/deployment/create): files kept in memory within the
 * upload limit. multer is loaded on the first upload, not at start-up.
 */
import type { Middleware } from 'koa';
import type multer from '@koa/multer';
import { lazyRequire } from '../shared/lazy-require.js';

const loadMulter = lazyRequire<typeof multer>('@koa/multer');

/** Middleware reading a multipart body's files and fields (`ctx.request.files`, `ctx.request.body`). */
export function multipartFiles(maxUploadBytes: number): Middleware {
  let upload: Middleware | null = null;
  return (ctx, next) => {
    if (!upload) {
      const m = loadMulter();
      upload = m({ storage: m.memoryStorage(), limits: { fileSize: maxUploadBytes, files: 50, fields: 20 } }).any() as unknown as Middleware;
    }
    return upload(ctx, next) as Promise<void>;
  };
}
