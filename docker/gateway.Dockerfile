# syntax=docker/dockerfile:1
# The MassRouter gateway (data plane). Build from the repository root:
#   docker build -f docker/gateway.Dockerfile -t massrouter/gateway .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# A build container has no use for the CLI's first-run banner or its telemetry.
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORKDIR /src

# Restore from the project and build files alone, so this layer (the packages) is reused until a csproj or a package
# version changes; a source edit only reruns the publish below.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Gateway/MassRouter.Gateway.csproj src/Gateway/
COPY src/Gateway.Transforms/MassRouter.Gateway.Transforms.csproj src/Gateway.Transforms/
COPY src/Simulator/MassRouter.Simulator.csproj src/Simulator/
COPY src/MassRouter.Core/MassRouter.Core.csproj src/MassRouter.Core/
COPY src/ControlApi/MassRouter.ControlApi.csproj src/ControlApi/
RUN dotnet restore src/Gateway/MassRouter.Gateway.csproj

COPY src/ src/
RUN dotnet publish src/Gateway/MassRouter.Gateway.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app

# The usage spool and the settlement journal (next to it) hold usage not yet charged in Redis: they must outlive the
# container, so they live on a volume. One gateway process per volume: never share one between two instances.
# The embedded data directory is used only when no MassRouter__Redis is set (the single-node default). The o200k
# vocabulary file is written there at the first start and mapped afterwards (/app is not writable by the app user).
ENV MassRouter__Metering__SpoolPath=/var/lib/massrouter/usage-spool.jsonl \
    MassRouter__Metering__VocabularyPath=/var/lib/massrouter/o200k_base.vocab \
    MassRouter__Embedded__DataPath=/var/lib/massrouter/embedded
RUN mkdir -p /var/lib/massrouter && chown "$APP_UID:$APP_UID" /var/lib/massrouter
VOLUME /var/lib/massrouter

# No DOTNET_ runtime settings: server GC, non-concurrent GC and tiered PGO come with the app (its runtimeconfig, from
# the csproj), the GC sizes its heaps from the container's CPU and memory limits, and the gateway turns on inline
# socket completions itself when nothing in its process could block an I/O thread.
COPY --chmod=0755 docker/healthcheck.sh /usr/local/bin/massrouter-healthcheck
COPY --from=build /app ./

# The non-root user the .NET images ship (uid 1654); Kestrel listens on ASPNETCORE_HTTP_PORTS=8080.
USER $APP_UID
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["massrouter-healthcheck", "/healthz"]
ENTRYPOINT ["dotnet", "MassRouter.Gateway.dll"]
