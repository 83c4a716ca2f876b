# syntax=docker/dockerfile:1
# The provider simulator (OpenAI, Anthropic, Gemini and Cohere wire formats, no credentials), for demos and load tests.
# Build from the repository root:
#   docker build -f docker/simulator.Dockerfile -t massrouter/simulator .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# A build container has no use for the CLI's first-run banner or its telemetry.
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORKDIR /src

# Restore from the project and build files alone, so this layer is reused until a csproj or a package version changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Simulator/MassRouter.Simulator.csproj src/Simulator/
RUN dotnet restore src/Simulator/MassRouter.Simulator.csproj

COPY src/Simulator/ src/Simulator/
RUN dotnet publish src/Simulator/MassRouter.Simulator.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app

# The recorded provider traffic, so `x-sim-fixture: openai/...` replays work in the container too.
COPY tests/fixtures/providers /app/fixtures
# Pacing and size of generated answers: Simulator__TimeToFirstTokenMs, __InterTokenIntervalMs, __Tokens, __ChunkSize.
ENV Simulator__FixturesPath=/app/fixtures
COPY --chmod=0755 docker/healthcheck.sh /usr/local/bin/massrouter-healthcheck
COPY --from=build /app ./

USER $APP_UID
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["massrouter-healthcheck", "/v1/models"]
# The simulator takes its listen address from the command line only (never from ASPNETCORE_* variables).
ENTRYPOINT ["dotnet", "MassRouter.Simulator.dll", "--urls", "http://+:8080"]
