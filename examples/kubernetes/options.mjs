// The timings this app shuts down with; deployment.yaml is checked against them (examples.test.ts).
export const options = {
  delay: 5_000, // readiness is 503 this long before the listener closes, while endpoints update
  timeout: 20_000, // delay + drain, from SIGTERM
  hookTimeout: 3_000, // per cleanup hook
}
export const hooks = ['database']
