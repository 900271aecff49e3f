/** A cluster worker that says it is up and then idles (test/integration/cluster-ipc.test.ts). */
process.send?.('up');
setInterval(() => undefined, 1000);
