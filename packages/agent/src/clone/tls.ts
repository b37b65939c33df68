/** The donor's certificate and key, from agent.yaml: both or neither, so a typo never silently means plain HTTP. */
export function donorTls(s: { cloneTlsCertFile: string; cloneTlsKeyFile: string }): { tlsCertFile: string; tlsKeyFile: string } | Record<string, never> {
  if (!s.cloneTlsCertFile && !s.cloneTlsKeyFile) return {};
  if (!s.cloneTlsCertFile || !s.cloneTlsKeyFile) {
    const missing = s.cloneTlsCertFile ? 'cloneTlsKeyFile' : 'cloneTlsCertFile';
    throw new Error(`agent.yaml: ${missing}: expected a PEM file path, since ${missing === 'cloneTlsKeyFile' ? 'cloneTlsCertFile' : 'cloneTlsKeyFile'} is set (the clone donor needs both for HTTPS)`);
  }
  return { tlsCertFile: s.cloneTlsCertFile, tlsKeyFile: s.cloneTlsKeyFile };
}
