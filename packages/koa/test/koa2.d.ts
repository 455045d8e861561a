// Koa 2, installed beside Koa 3 under another name, has the same surface for our tests.
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
