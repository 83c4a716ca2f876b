# syntax=docker/dockerfile:1
# The MassRouter control API (control plane). Build from the repository root:
#   docker build -f docker/controlapi.Dockerfile -t massrouter/controlapi .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# A build container has no use for the CLI's first-run banner or its telemetry.
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORKDIR /src

# Restore from the project and build files alone, so this layer is reused until a csproj or a package version changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ControlApi/MassRouter.ControlApi.csproj src/ControlApi/
COPY src/MassRouter.Core/MassRouter.Core.csproj src/MassRouter.Core/
RUN dotnet restore src/ControlApi/MassRouter.ControlApi.csproj

COPY src/ControlApi/ src/ControlApi/
COPY src/MassRouter.Core/ src/MassRouter.Core/
RUN dotnet publish src/ControlApi/MassRouter.ControlApi.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app

# Stateless: the database (PostgreSQL) and Redis hold everything. No DOTNET_ runtime settings: server GC comes with the
# app's runtimeconfig and sizes itself from the container's limits. Configuration is environment variables only
# (docker/README.md, and the main README's "Production configuration (control API)").
COPY --chmod=0755 docker/healthcheck.sh /usr/local/bin/massrouter-healthcheck
COPY --from=build /app ./

# The non-root user the .NET images ship (uid 1654); Kestrel listens on ASPNETCORE_HTTP_PORTS=8080.
USER $APP_UID
EXPOSE 8080
# Liveness only: /readyz (database and Redis reachable) is for load balancers, and a Redis blip must not mark the
# process itself unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["massrouter-healthcheck", "/healthz"]
ENTRYPOINT ["dotnet", "MassRouter.ControlApi.dll"]
