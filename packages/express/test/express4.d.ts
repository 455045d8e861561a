// Express 4, installed beside Express 5 under another name, has the same surface for our tests.
declare module 'express4' {
  import express from 'express'
  export default express
}
