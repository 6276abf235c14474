# lineaged from Debian 12 packages only: the build stage installs the
# toolchain and libraries with scripts/install-deps.sh and compiles; the
# runtime stage keeps only the shared libraries the binary links
# (ldd of build/lineaged, resolved with dpkg -S on Debian 12).
#
#   docker build -t lineaged .
#   docker run -p 5000:5000 -v lineaged-data:/data lineaged

FROM debian:bookworm AS build
WORKDIR /src/lineaged
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DLINEAGED_BUILD_TESTS=OFF -DLINEAGED_BUILD_BENCHMARKS=OFF \
    && cmake --build build --target lineaged

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libabsl20220623 libbz2-1.0 libc-ares2 libfmt9 libgrpc++1.51 libgrpc29 liblz4-1 \
       libprometheus-cpp-core1.0 libprotobuf32 libre2-9 libsimdjson14 libsnappy1v5 \
       libspdlog1.10 libssl3 libzstd1 zlib1g curl tzdata \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/lineaged
COPY --from=build /src/lineaged/build/lineaged build/lineaged
# Fail the image build, not the first start, if a shared library is missing.
RUN ! ldd build/lineaged | grep 'not found'
RUN useradd --system --home-dir /data lineaged && mkdir -p /data && chown lineaged /data
USER lineaged
VOLUME /data
# HTTP (OpenLineage, Marquez API, /metrics) and gRPC ingest.
EXPOSE 5000 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:5000/readyz || exit 1
# Every flag can also be set as LINEAGED_<FLAG_NAME> in the environment.
ENTRYPOINT ["build/lineaged"]
CMD ["serve", "--data_dir=/data"]
