// m2v for Android: an AAR with org.m2v.StaticModel (Java + Kotlin) and libm2v_jni.so for
// arm64-v8a, armeabi-v7a and x86_64, built by the NDK from ../csrc + src/main/native through
// CMakeLists.txt (the same file the host Maven build uses).
//
//   gradle :assembleRelease          -> build/outputs/aar/m2v-release.aar
//   gradle :connectedAndroidTest     -> src/androidTest (on a device or emulator)
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.2.21"
}

android {
    namespace = "org.m2v"
    compileSdk = 35
    // r27+: 16 KB page-size aware toolchain (CMakeLists.txt also links with max-page-size=16384).
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = 21
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
        consumerProguardFiles("consumer-rules.pro")
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
        externalNativeBuild {
            cmake {
                arguments += listOf("-DANDROID_STL=none")
                cFlags += listOf("-O2")
            }
        }
    }

    externalNativeBuild {
        cmake {
            path = file("CMakeLists.txt")
            version = "3.22.1"
        }
    }

    sourceSets["main"].java.srcDirs("src/main/java", "src/main/kotlin")

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_1_8
        targetCompatibility = JavaVersion.VERSION_1_8
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_1_8)
    }
}

dependencies {
    androidTestImplementation("androidx.test:runner:1.6.2")
    androidTestImplementation("androidx.test.ext:junit:1.2.1")
    androidTestImplementation("junit:junit:4.13.2")
}
