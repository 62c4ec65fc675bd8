// Lets Node run tools/sim/kubelet by stripping types, with no build step: the repository's
// TypeScript imports relative modules without an extension (moduleResolution nodenext, CommonJS
// output), which Node alone does not resolve. This hook retries such a specifier with `.ts`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('.') || /\.[cm]?[jt]s$/.test(specifier)) throw error;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});
