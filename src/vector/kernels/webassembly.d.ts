// The part of the WebAssembly JS API the scan kernels use. Node 20 has it at run time,
// but neither lib ES2023 nor @types/node 20 declares it (the DOM lib would bring the rest
// of the browser with it).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
