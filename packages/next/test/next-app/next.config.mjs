// The shutdown contract's routes as App Router route handlers, built by the integration stage.
export default {}
