import { execFile } from 'node:child_process';
import { which } from './which.js';

export type RenderResult = { readonly ok: true; readonly yaml: string } | { readonly ok: false; readonly message: string };

/** `kustomize build` when kustomize is installed, else the kustomize built into kubectl. */
export function kustomizeCommand(): { file: string; args: string[] } | undefined {
  const kustomize = which('kustomize');
  if (kustomize) return { file: kustomize, args: ['build'] };
  const kubectl = which('kubectl');
  if (kubectl) return { file: kubectl, args: ['kustomize'] };
  return undefined;
}

export function renderKustomization(dir: string): Promise<RenderResult> {
  const command = kustomizeCommand();
  if (!command) {
    return Promise.resolve({
      ok: false,
      message: 'cannot render: neither `kustomize` nor `kubectl` is on PATH (install one of them)',
    });
  }
  return new Promise((resolve) => {
    execFile(command.file, [...command.args, dir], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        // kubectl prefixes its messages with a klog header (severity, time, pid, source line).
        const detail = (stderr.trim() || error.message).replace(/^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] /gm, '');
        resolve({ ok: false, message: `${command.args.join(' ')} failed: ${detail}` });
      } else {
        resolve({ ok: true, yaml: stdout });
      }
    });
  });
}
