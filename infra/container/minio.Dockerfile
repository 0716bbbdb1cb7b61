# MinIO built from the same pinned commit the local stack builds (infra/stack/services/minio.ts).
#
# Why not an upstream image: MinIO moved its community edition to source-only distribution in late
# 2025 and stopped publishing new minio/minio (Docker Hub) and quay.io/minio/minio images, so no
# published image carries this commit; whatever tag is last on those registries is older and lacks
# later fixes. (Not re-checked from the machine this was written on: it reaches no image registry.)
# Deployments that prefer a published image may set MINIO_IMAGE in infra/.env to one they vet.
#
#   docker build -f infra/container/minio.Dockerfile -t primoart/minio:v0.0.0-20260212201848-7aac2a2c5b7c infra/container

# The Go release the local stack builds with (go.mod of this commit asks for go 1.24 or later).
FROM golang:1.26.8-bookworm AS build
ARG MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# The same settings as infra/go/install-go-binary.ts: static binary, no toolchain download.
ENV CGO_ENABLED=0 \
    GOTOOLCHAIN=local \
    GOWORK=off \
    GOFLAGS="-modcacherw -buildvcs=false"
RUN go install "github.com/minio/minio@${MINIO_VERSION}"

FROM debian:bookworm-slim
# curl for the compose health check; ca-certificates for TLS to anything MinIO is pointed at.
# Objects are uploaded screenshots: /data is the minio user's alone (a new volume copies its mode).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin minio \
    && install -d -m 0700 -o minio -g minio /data
COPY --from=build /go/bin/minio /usr/local/bin/minio
# CI=true: a 256 MiB buffer pool instead of half the machine's memory. MINIO_UPDATE=off: no
# request to MinIO's download site at every start.
ENV CI=true \
    MINIO_UPDATE=off
USER minio
VOLUME ["/data"]
EXPOSE 9000 9001
ENTRYPOINT ["minio"]
CMD ["server", "/data", "--address", ":9000", "--console-address", ":9001"]
