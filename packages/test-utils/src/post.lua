-- wrk: every request a POST with a small JSON body (nginx retries none once sent).
wrk.method = "POST"
wrk.body = '{"order":42,"items":["a","b","c"]}'
wrk.headers["Content-Type"] = "application/json"
