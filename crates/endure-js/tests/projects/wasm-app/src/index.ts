// hash-wasm's hashes (checked against the published digests and libargon2) and a PNG encoded
// and decoded by jSquash's wasm-bindgen codec.
import { sha256, md5, argon2id, createBLAKE3 } from 'hash-wasm';
import { encode, decode } from '@jsquash/png';
import { init as initEncode } from '@jsquash/png/encode';
import { init as initDecode } from '@jsquash/png/decode';
import PNG_WASM from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm';

// Workers have no ImageData; jSquash's README has Worker users define one.
class ImageDataShim { constructor(public data: Uint8ClampedArray, public width: number, public height: number) {} }
(globalThis as any).ImageData ??= ImageDataShim;

export default {
  async fetch(req: Request): Promise<Response> {
    const out: Record<string, unknown> = {};
    out.sha256 = await sha256('abc');
    out.md5 = await md5('abc');
    out.argon2 = await argon2id({ password: 'pw', salt: new Uint8Array(16), parallelism: 1, iterations: 2, memorySize: 512, hashLength: 16, outputType: 'hex' });
    const b3 = await createBLAKE3(); b3.init(); b3.update('abc'); out.blake3 = b3.digest();
    await initEncode(PNG_WASM); await initDecode(PNG_WASM);
    const w = 4, h = 3;
    const data = new Uint8ClampedArray(w * h * 4).map((_, i) => (i * 7) % 256);
    const png = await encode({ data, width: w, height: h, colorSpace: 'srgb' } as ImageData);
    const back = await decode(png);
    out.png = [new Uint8Array(png).slice(1, 4).reduce((s, c) => s + String.fromCharCode(c), ''), back.width, back.height, Array.from(back.data).every((v, i) => v === data[i])];
    return Response.json(out);
  },
};
