/**
 * SIGHUP as "reload": installed as the first thing a server command does, because the
 * signal's default action ends the process. A SIGHUP that arrives while the server is
 * still starting is remembered and becomes one reload once `attach` is called.
 */
export function reloadOnSighup(): { attach(reload: (trigger: string) => unknown): void } {
  let target: ((trigger: string) => unknown) | undefined;
  let pending = false;
  process.on('SIGHUP', () => {
    if (target) void target('SIGHUP');
    else pending = true;
  });
  return {
    attach(reload) {
      target = reload;
      if (pending) void reload('SIGHUP');
    },
  };
}
