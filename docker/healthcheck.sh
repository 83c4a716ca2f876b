#!/usr/bin/env bash
# Container health probe for the MassRouter images. The ASP.NET runtime image has neither curl nor wget, so this sends
# one HTTP/1.1 GET over bash's /dev/tcp and is healthy only on a 200. Usage: massrouter-healthcheck [path] (/healthz).
# The port is the first of ASPNETCORE_HTTP_PORTS (8080 in the .NET images).
set -euo pipefail
path=${1:-/healthz}
port=${ASPNETCORE_HTTP_PORTS:-8080}
port=${port%%[,;]*}
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 2 status <&3
[[ $status == "HTTP/1.1 200 "* ]]
