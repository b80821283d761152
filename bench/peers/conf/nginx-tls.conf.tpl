# Reference HTTPS proxy (only started for the `https` / `tlshs` tests):
#   127.0.0.1:18110 (TLS, the certificate and suites given in TLS_CERT/TLS_KEY/TLS_CIPHERS/TLS13_SUITES)
#   -> round-robin over 18081/18082, upstream keep-alive, XFF/XFP added (like a CLB HTTPS listener).
# Session tickets on (nginx's default, as OpenSLB), no server-side session cache (nginx's default).
worker_processes @WORKERS@;
pid @RUN@/nginx-tls.pid;
error_log @RUN@/nginx-tls.error.log warn;
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  client_body_temp_path @RUN@/tmp-proxy-body;
  proxy_temp_path @RUN@/tmp-proxy;
  upstream be {
    server 127.0.0.1:18081;
    server 127.0.0.1:18082;
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:18110 ssl backlog=4096;
    ssl_certificate @TLS_CERT@;
    ssl_certificate_key @TLS_KEY@;
    ssl_protocols @TLS_PROTOCOLS@;
    ssl_ciphers @TLS_CIPHERS@;
    ssl_conf_command Ciphersuites @TLS13_SUITES@;
    ssl_prefer_server_ciphers on;
    ssl_session_timeout 300s;
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering on;
    }
  }
}
