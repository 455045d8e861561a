// The timings this app shuts down with; deployment.yaml is checked against them (examples.test.ts).
export const options = {
  delay: 0, // the preStop sleep already held the listener open while endpoints updated
  timeout: 20_000, // delay + drain, from SIGTERM
  hookTimeout: 3_000, // per cleanup hook
}
export const hooks = ['database']
